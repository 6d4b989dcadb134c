import Foundation
import TensorOptCost
import TensorOptGraph
import TensorOptImport
import TensorOptPlan
import TensorOptReport

/// How the corpus of one fuzz target (`Tests/FuzzCorpus/NAME/`, fuzzed by
/// `Fuzz/NAME.swift`) is replayed: in process, and through the command line.
struct ReplayTarget: Sendable {
  /// The target's name: its corpus directory and its `Fuzz/NAME.swift`.
  var name: String
  /// Feeds one input to the importer, as the fuzz target does.
  var load: @Sendable (Data) throws -> Void
  /// The `tensoropt` arguments that read the input file at a path.
  var arguments: @Sendable (String) -> [String]
  /// The description of an error `load` may throw for a bad input (the importer's
  /// error type), or `nil` for any other error.
  var describe: @Sendable (any Error) -> String? = { ($0 as? ModelLoadError)?.description }

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
    ReplayTarget(
      name: "cluster-file",
      load: { data in
        let cluster = try Cluster.decode(data, file: "cluster.json")
        _ = try Cluster.decode(cluster.encodedJSON(), file: "round-trip.json")
      },
      arguments: { ["evaluate", "mlp", "--devices", "1", "--cluster", $0, "--format", "json"] },
      describe: { ($0 as? ClusterFileError)?.description }),
    ReplayTarget(
      name: "plan-file",
      load: { try PlanReplay.use(PlanFile.decode($0)) },
      // The HTML report draws every part of the plan (frontier, breakdowns, layout).
      arguments: { ["report", $0] },
      describe: {
        ($0 as? PlanFileError)?.description ?? ($0 as? ReportError)?.description
      }),
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
