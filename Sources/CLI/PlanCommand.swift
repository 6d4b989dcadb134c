import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt plan`: the Pareto frontier of operator-level strategies for one stage.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Search operator-level parallel strategies and print the (time, memory) frontier.",
    discussion: """
      Runs the search for a single pipeline stage over --devices devices, trying every 1-D and 2-D \
      mesh shape. --search ft uses frontier tracking (exact with --epsilon 0); --search exhaustive \
      enumerates every strategy and refuses graphs too large to enumerate.
      """)

  /// Output formats.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case table, json
  }

  @Argument(help: "A zoo name, a model.json path, or a Hugging Face config.json path.")
  var model: String

  @Option(help: "Devices of the stage.")
  var devices: Int

  @Option(help: "GPU preset (as for evaluate).")
  var gpu: String?

  @Option(help: "GPUs per node.")
  var gpusPerNode: Int?

  @Option(help: "A cluster description file (instead of --gpu).")
  var cluster: String?

  @Option(help: "Samples per iteration (default: the model's global batch).")
  var batch: Int?

  @Option(help: "Sequence length (language models; default: the model's own).")
  var seq: Int?

  @Option(help: "Training dtype: fp32, bf16 or fp16 (default: the model's).")
  var dtype: DType?

  @Option(help: "Search method: ft or exhaustive.")
  var search: SearchMethod = .ft

  @Option(help: "Merge frontier points within a factor 1 + ε in both objectives (0 = exact; ft only).")
  var epsilon: Double = 0

  @Option(help: "Output format: table or json.")
  var format: Format = .table

  func validate() throws {
    guard devices > 0 else { throw ValidationError("--devices must be positive") }
    if let batch, batch <= 0 { throw ValidationError("--batch must be positive") }
    if let seq, seq <= 0 { throw ValidationError("--seq must be positive") }
    if let gpusPerNode, gpusPerNode <= 0 { throw ValidationError("--gpus-per-node must be positive") }
    guard epsilon >= 0, epsilon.isFinite else { throw ValidationError("--epsilon must be a non-negative number") }
    if gpu != nil && cluster != nil { throw ValidationError("give --gpu or --cluster, not both") }
  }

  func run() throws {
    do {
      let model = try PlanBackend.loadModel(self.model)
      let batchSize = batch ?? model.defaults.globalBatchSize
      let graph = try model.graph(batchSize: batchSize, sequenceLength: seq)
      let costModels = try PlanBackend.costModels(
        devices: devices, cluster: ClusterSelection(gpu: gpu, gpusPerNode: gpusPerNode, file: cluster),
        dtype: dtype ?? model.defaults.dtype)
      let options = SearchOptions(method: search, epsilon: epsilon)
      let result = try StageSearch.frontier(of: graph, costModels: costModels, options: options)
      let report = FrontierReport(
        model: model.name, devices: devices, search: search, epsilon: epsilon, points: result.points)
      switch format {
      case .json: print(try Self.json(report))
      case .table: print(Self.table(report), terminator: "")
      }
    } catch let error as SearchError {
      throw PlanFailure(message: error.message)
    } catch let error as PlanError {
      throw PlanFailure(message: error.description)
    } catch let error as GraphError {
      throw PlanFailure(message: error.description)
    }
  }

  /// Byte-identical JSON: sorted keys, no escaped slashes.
  static func json(_ report: FrontierReport) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(report), as: UTF8.self)
  }

  /// The frontier as an aligned table.
  static func table(_ report: FrontierReport) -> String {
    var rows = [["#", "time (s)", "memory/device", "strategy"]]
    for (index, entry) in report.frontier.enumerated() {
      rows.append([
        "\(index + 1)", String(format: "%.4f", entry.time_s), formatBytes(entry.memory_bytes),
        entry.strategy.summary,
      ])
    }
    let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
    var text = "\(report.model) on \(report.devices) devices, search \(report.search.rawValue)"
    text += report.epsilon > 0 ? ", ε = \(report.epsilon)" : ""
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
    return String(format: "%.2f %@", value, units[unit])
  }
}

/// A failure reported as one line on standard error (exit code 1).
struct PlanFailure: Error, CustomStringConvertible {
  var message: String
  var description: String { "error: \(message)" }
}

extension SearchMethod: ExpressibleByArgument {}
extension DType: ExpressibleByArgument {}
