import Foundation
import TensorOpt

/// The human-readable report of an ``Evaluation``.
struct EvaluationTable {
  let evaluation: Evaluation
  let device: DeviceSpec

  init(_ evaluation: Evaluation, device: DeviceSpec) {
    self.evaluation = evaluation
    self.device = device
  }

  var text: String {
    let e = evaluation
    let s = e.strategy
    let t = e.breakdown.time
    let mem = e.breakdown.memory
    var lines: [String] = []
    let sequence = e.sequenceLength.map { " × seq \($0)" } ?? ""
    lines.append(
      "model      \(e.model), batch \(e.globalBatchSize)\(sequence), \(e.microBatches) micro-batch(es) of \(s.microBatchSize)"
    )
    lines.append(
      "cluster    \(e.cluster) (\(device.name), \(Self.bytes(e.memoryCapacityBytes)) each)")
    var strategy =
      "dp \(s.dataParallel) · tp \(s.tensorParallel) · pp \(s.pipelineStages), \(s.schedule.rawValue)"
    if s.interleave > 1 { strategy += " interleaved ×\(s.interleave)" }
    strategy += ", recompute \(s.recomputation.rawValue)"
    if s.sequenceParallel { strategy += ", sequence parallel" }
    strategy += ", ZeRO-\(s.zeroStage), \(s.dtype.rawValue), \(s.optimizer.rawValue)"
    lines.append("strategy   \(strategy)")
    lines.append("")
    lines.append(String(format: "iteration  %@", Self.seconds(e.timeS)))
    let rows: [(String, Double)] = [
      ("forward", t.forwardS), ("backward", t.backwardS), ("recompute", t.recomputeS),
      ("tensor-parallel comm", t.tensorParallelS), ("ZeRO-3 gathers (exposed)", t.parameterGatherS),
      ("pipeline p2p", t.pipelineP2pS), ("pipeline bubble", t.pipelineBubbleS),
      ("data-parallel sync (exposed)", t.dataParallelSyncS), ("optimizer step", t.optimizerS),
    ]
    for (name, value) in rows {
      lines.append(
        "  " + Self.pad(name, 32) + Self.pad(Self.seconds(value), 12, left: true)
          + String(format: "  %5.1f%%", 100 * value / max(e.timeS, 1e-30)))
    }
    lines.append(
      "  " + Self.pad("data-parallel sync (overlapped)", 32)
        + Self.pad(Self.seconds(t.dataParallelSyncOverlappedS), 12, left: true)
        + "  (hidden behind backward)")
    lines.append("")
    let verdict = e.fits ? "fits" : "DOES NOT FIT"
    lines.append(
      "memory     \(Self.bytes(e.memoryBytes)) peak on pipeline stage \(mem.stage) (\(verdict) in \(Self.bytes(e.memoryCapacityBytes)))"
    )
    let memoryRows: [(String, Double)] = [
      ("weights", mem.weightsBytes), ("gradients", mem.gradientsBytes),
      ("optimizer state", mem.optimizerBytes),
      (
        String(format: "activations (%.2g in flight)", mem.inFlightMicroBatches),
        mem.activationsBytes
      ),
      ("workspace (transient)", mem.workspaceBytes),
    ]
    for (name, value) in memoryRows {
      lines.append("  " + Self.pad(name, 32) + Self.pad(Self.bytes(value), 12, left: true))
    }
    let buffers = e.breakdown.largestBuffers.map { "\($0.name) \(Self.bytes($0.bytes))" }.joined(
      separator: ", ")
    lines.append("  largest buffers: \(buffers)")
    if e.breakdown.stages.count > 1 {
      let stages = e.breakdown.stages.map {
        "\($0.stage): \(Self.seconds($0.microBatchS))/mb, \(Self.bytes($0.peakMemoryBytes))"
      }
      lines.append("  stages: " + stages.joined(separator: "; "))
    }
    lines.append("")
    let p = e.throughput
    lines.append(
      String(
        format: "throughput %.4g samples/s, %.4g tokens/s, %.3g TFLOP/s per device, MFU %.1f%%",
        p.samplesPerS,
        p.tokensPerS, p.modelFlopsPerSPerDevice / 1e12, p.mfu * 100))
    for note in e.notes { lines.append("note: \(note)") }
    return lines.joined(separator: "\n") + "\n"
  }

  static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(width - text.count, 0))
    return left ? padding + text : text + padding
  }

  static func seconds(_ value: Double) -> String {
    if value >= 1 { return String(format: "%.3f s", value) }
    if value >= 1e-3 { return String(format: "%.3f ms", value * 1e3) }
    return String(format: "%.1f µs", value * 1e6)
  }

  static func bytes(_ value: Double) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var scaled = value
    var index = 0
    while scaled >= 1024, index < units.count - 1 {
      scaled /= 1024
      index += 1
    }
    return String(format: index == 0 ? "%.0f %@" : "%.2f %@", scaled, units[index])
  }
}
