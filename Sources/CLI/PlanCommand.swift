import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt plan`: the Pareto frontier of operator-level strategies for one stage.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Search operator-level parallel strategies and print the (time, memory) frontier.",
    discussion: """
      Runs the search for a single pipeline stage over --devices devices, trying every 1-D and \
      2-D mesh shape. --search ft uses frontier tracking (exact with --epsilon 0); --search \
      exhaustive enumerates every strategy and refuses graphs too large to enumerate. Without \
      --gpu or --cluster the cluster is h100-80g with 8 GPUs per node. See docs/search.md.
      """)

  @Argument(
    help: "A zoo name (see `tensoropt models`), a model.json, or a Hugging Face config.json.")
  var model: String

  @Option(help: "Devices of the stage.")
  var devices: Int

  @Option(help: "GPU preset: v100-32g, a100-40g, a100-80g, h100-80g, cpu.")
  var gpu: String?

  @Option(help: "GPUs per node for --gpu.")
  var gpusPerNode = 8

  @Option(help: "A cluster file (tensoropt-cluster/1).")
  var cluster: String?

  @Option(help: "Samples per iteration (default: the model's global batch).")
  var batch: Int?

  @Option(help: "Sequence length (default: the model's).")
  var seq: Int?

  @Option(help: "fp32, bf16 or fp16; default: the model's, fp32 on devices without it.")
  var dtype: DTypePolicy?

  @Option(help: "Search method: ft or exhaustive.")
  var search: SearchMethod = .ft

  @Option(
    help: "Merge frontier points within a factor 1 + ε in both objectives (0 = exact; ft only).")
  var epsilon: Double = 0

  @Option(help: "table or json.")
  var format: OutputFormat = .table

  func run() throws {
    guard devices > 0 else { throw failure("--devices must be positive, got \(devices)") }
    if let batch, batch <= 0 { throw failure("--batch must be positive") }
    if let seq, seq <= 0 { throw failure("--seq must be positive") }
    guard epsilon >= 0, epsilon.isFinite else {
      throw failure("--epsilon must be a non-negative number")
    }
    let (hardware, defaulted) = try CostCommandSupport.cluster(
      gpu: gpu, gpusPerNode: gpusPerNode, clusterFile: cluster, devices: devices)
    let model = try PlanBackend.loadModel(self.model)
    if seq != nil, model.family != .language {
      throw failure("\(model.name) has no sequence dimension (--seq)")
    }
    let built = try reportingUserErrors {
      try model.graph(batchSize: batch ?? model.defaults.globalBatchSize, sequenceLength: seq)
    }
    // Like Megatron-LM (and `evaluate`), pad a language model's vocabulary, here to a
    // multiple of 128 · devices so that every mesh axis may split it.
    let graph =
      model.family == .language ? built.paddingVocabulary(toMultipleOf: 128 * devices) : built
    var trainingType: DTypePolicy =
      dtype
      ?? (model.defaults.dtype == .fp16 ? .fp16 : model.defaults.dtype == .bf16 ? .bf16 : .fp32)
    if dtype == nil, !hardware.device.supports(trainingType.computePrecision) {
      trainingType = .fp32
    }
    let costModels = PlanBackend.costModels(
      devices: devices, cluster: hardware, dtype: trainingType)
    let result: StageFrontier
    do {
      result = try StageSearch.frontier(
        of: graph, costModels: costModels, options: SearchOptions(method: search, epsilon: epsilon))
    } catch {
      throw failure(error.message)
    }
    let report = FrontierReport(
      model: model.name, devices: devices, search: search, epsilon: epsilon, points: result.points)
    switch format {
    case .json:
      print(try Self.json(report), terminator: "")
    case .table:
      if defaulted {
        print("cluster: no --gpu or --cluster given; assuming h100-80g with 8 GPUs per node")
      }
      print(Self.table(report), terminator: "")
    }
  }

  /// Deterministic JSON (sorted keys) followed by a newline.
  static func json(_ report: FrontierReport) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
  }

  /// The frontier as an aligned table.
  static func table(_ report: FrontierReport) -> String {
    var rows = [["#", "time (s)", "memory/device", "strategy"]]
    for (index, entry) in report.frontier.enumerated() {
      rows.append([
        "\(index + 1)", String(format: "%.4g", entry.time_s), formatBytes(entry.memory_bytes),
        entry.strategy.summary,
      ])
    }
    let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
    var text = "\(report.model) on \(report.devices) devices, search \(report.search.rawValue)"
    text += report.epsilon > 0 ? ", epsilon \(report.epsilon)" : ""
    text += ": \(report.frontier.count) frontier points\n"
    for row in rows {
      let cells = row.enumerated().map { column, cell in
        column == 3 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
      }
      text += cells.joined(separator: "  ") + "\n"
    }
    return text
  }

  static func formatBytes(_ bytes: Double) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = bytes
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return String(format: "%.2f \(units[unit])", value)
  }
}

extension SearchMethod: ExpressibleByArgument {}
