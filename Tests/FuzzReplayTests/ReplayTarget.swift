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
      arguments: { ["inspect", $0, "--format", "json"] }),
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

  /// The files of this target's corpus, sorted by name.
  func inputs() throws -> [URL] {
    let directory = Self.corpusRoot.appendingPathComponent(name)
    return try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { !$0.hasPrefix(".") }.sorted()
      .map { directory.appendingPathComponent($0) }
  }
}
