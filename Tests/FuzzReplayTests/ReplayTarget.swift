import Foundation
import TensorOptGraph
import TensorOptImport

/// How the corpus of one fuzz target (`Tests/FuzzCorpus/NAME/`, fuzzed by
/// `Fuzz/NAME.swift`) is replayed: in process, and through the command line.
struct ReplayTarget: Sendable {
  /// The target's name: its corpus directory and its `Fuzz/NAME.swift`.
  var name: String
  /// Feeds one input to the importer, as the fuzz target does.
  var load: @Sendable (Data) throws -> Void
  /// The `tensoropt` arguments that read the input file at a path.
  var arguments: @Sendable (String) -> [String]

  /// Every fuzz target; a corpus directory without an entry here fails the replay.
  static let all: [ReplayTarget] = [
    ReplayTarget(
      name: "model-json",
      load: { try inspect(ModelLoader.model(from: $0, file: "fuzz.json")) },
      arguments: { ["inspect", $0, "--format", "json"] }),
    ReplayTarget(
      name: "hf-config",
      load: { try inspect(HuggingFaceImporter.model(from: $0, file: "config.json")) },
      // The table and the operator listing, so the replay covers both output paths.
      arguments: { ["inspect", $0, "--ops"] }),
  ]

  /// What `tensoropt inspect --format json` does with a loaded model.
  static func inspect(_ model: Model) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    _ = try encoder.encode(ModelSummary(model: model))
  }

  /// The repository's `Tests/FuzzCorpus`, found from this file's path.
  static let corpusRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("FuzzCorpus")

  /// The names of the corpus directories.
  static func corpusNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: corpusRoot.path)
      .filter { !$0.hasPrefix(".") }.sorted()
  }

  /// At most `limit` inputs: every hand-named one (`seed-…`, `regression-…`) and
  /// an evenly spaced sample of the merged ones (named by hash), so that
  /// starting a process per input stays within seconds however large the
  /// corpus grows. The in-process replay takes them all.
  func sampledInputs(limit: Int) throws -> [URL] {
    let all = try inputs()
    let named = all.filter { $0.lastPathComponent.contains("-") }
    let hashed = all.filter { !$0.lastPathComponent.contains("-") }
    let room = max(limit - named.count, 0)
    guard hashed.count > room else { return named + hashed }
    let stride = Double(hashed.count) / Double(max(room, 1))
    return named + (0..<room).map { hashed[Int(Double($0) * stride)] }
  }

  /// The files of this target's corpus, sorted by name.
  func inputs() throws -> [URL] {
    let directory = Self.corpusRoot.appendingPathComponent(name)
    return try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { !$0.hasPrefix(".") }.sorted()
      .map { directory.appendingPathComponent($0) }
  }
}
