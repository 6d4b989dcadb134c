import Foundation
import TensorOpt

/// The text form of a plan: per device count, the frontier as a table (time per
/// iteration, memory per device, throughput, MFU, the strategy in one line), and
/// with several device counts the (devices, time, memory) trade-off.
struct PlanTable {
  var plan: PlanFile
  var device: DeviceSpec
  var top: Int?
  var showInfeasible: Bool
  var verbose: Bool
  var elapsed: Double

  var text: String {
    let model = plan.model
    let shape = model.seq.map { "batch \(model.batch) × seq \($0)" } ?? "batch \(model.batch)"
    var text = ""
    for result in plan.results {
      let limit = Formatting.bytes(plan.settings.memoryLimitBytes ?? device.memoryBytes)
      text +=
        "\(model.name) on \(result.devices) × \(device.name) (\(plan.cluster.devicesPerNode) per node), "
      text += "\(shape), \(model.dtype.rawValue); memory limit \(limit)\n"
      let stats = result.statistics
      text +=
        "\(result.frontier.count) frontier points from \(Formatting.grouped(stats.evaluated)) strategies costed"
      text +=
        result.frontier.isEmpty ? "; nothing fits — try more devices or --show-infeasible\n" : "\n"
      let shown = top.map { Array(result.frontier.prefix($0)) } ?? result.frontier
      if !shown.isEmpty { text += table(shown) }
      if let top, result.frontier.count > top {
        text += "(\(result.frontier.count - top) slower points not shown; --top or --format json)\n"
      }
      if showInfeasible {
        text +=
          "\nover the memory limit, faster than every fitting point (\(result.infeasible.count)):\n"
        if !result.infeasible.isEmpty { text += table(result.infeasible) }
      }
      if verbose {
        text += "\nsearch: \(Formatting.grouped(stats.combinations)) combinations enumerated, "
        text += "\(Formatting.grouped(stats.evaluated)) costed\n"
        for (reason, count) in stats.pruned.sorted(by: { $0.key < $1.key }) {
          let verb = reason == Planner.searchedNote ? "done" : "pruned"
          text += "  \(verb) \(Formatting.grouped(count)): \(reason)\n"
        }
      }
      text += "\n"
    }
    if plan.results.count > 1 { text += tradeOff() }
    if verbose { text += String(format: "search time %.2f s\n", elapsed) }
    return text
  }

  func table(_ entries: [PlanEntry]) -> String {
    let language = plan.model.family == .language
    var rows = [
      ["#", "time/iter", "memory/device", language ? "tokens/s" : "samples/s", "MFU", "strategy"]
    ]
    for (index, entry) in entries.enumerated() {
      let rate = language ? entry.throughput.tokensPerS : entry.throughput.samplesPerS
      rows.append([
        "\(index + 1)", Self.seconds(entry.timeS), Formatting.bytes(entry.memoryBytes),
        Formatting.scaled(rate), String(format: "%.1f%%", 100 * entry.throughput.mfu),
        entry.strategy.summary,
      ])
    }
    return Formatting.table(rows, rightAligned: [0, 1, 2, 3, 4])
  }

  /// Per device count: the fastest point that fits and the least memory any fitting point needs.
  func tradeOff() -> String {
    var rows = [["devices", "fastest", "its memory", "least memory", "its time"]]
    for result in plan.results {
      guard let fastest = result.frontier.first, let leanest = result.frontier.last else {
        rows.append(["\(result.devices)", "-", "-", "-", "-"])
        continue
      }
      rows.append([
        "\(result.devices)", Self.seconds(fastest.timeS), Formatting.bytes(fastest.memoryBytes),
        Formatting.bytes(leanest.memoryBytes), Self.seconds(leanest.timeS),
      ])
    }
    return "devices × time × memory:\n" + Formatting.table(rows, rightAligned: [0, 1, 2, 3, 4])
  }

  static func seconds(_ value: Double) -> String {
    value >= 1 ? String(format: "%.3f s", value) : String(format: "%.2f ms", value * 1000)
  }
}
