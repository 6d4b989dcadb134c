import Foundation
import TensorOptCost
import TensorOptGraph

extension ExecutionPlan {
  /// An upper estimate of each worker's peak bytes, computed without allocating:
  /// its parameter shards, their gradients and Adam moments (divided by the sync
  /// group under ZeRO-1), plus, for every micro-batch a schedule keeps in flight,
  /// the local blocks of every input and output of the stage's operators (what
  /// forward stashes), plus the attention probabilities.
  func estimatedPeakBytes(options: ExecutionOptions) -> [Int] {
    (0..<(stageCount * mesh.deviceCount)).map { rank in
      let view = StageView(mesh: mesh, rank: rank)
      var parameterBytes = 0
      var activationBytes = 0
      for index in program.steps.indices where stageOfStep[index] == view.stage {
        let step = program.steps[index]
        let placement = steps[index].placement
        for spec in steps[index].specs {
          let block = ShardBlock(
            tensorRank: spec.shape.count, splits: spec.splits, mesh: mesh, device: view.localRank)
          let local = block.localShape(spec.shape).reduce(1, *) * 4
          var moments = options.adam != nil ? 2 * local : options.sgd != nil ? local : 0
          var gradient = local
          if options.zeroStage1, !spec.syncAxes.isEmpty {
            let group = max(spec.syncAxes.reduce(1) { $0 * mesh.shape[$1] }, 1)
            moments /= group
            if options.zeroStage >= 2, options.adam != nil { gradient /= group }
          }
          let stored =
            options.zeroStage >= 3 && !spec.syncAxes.isEmpty
            ? local / max(spec.syncAxes.reduce(1) { $0 * mesh.shape[$1] }, 1) : local
          parameterBytes += stored + gradient + moments
        }
        func bytes(_ value: Int, _ layout: TensorLayout) -> Int {
          let shape = program.values[value].shape
          return ShardBlock(
            tensorRank: shape.count, layout: layout, mesh: mesh, device: view.localRank
          )
          .localShape(shape).reduce(1, *) * 4
        }
        for (k, input) in step.inputs.enumerated() {
          activationBytes += bytes(input, placement.inputs[k])
        }
        activationBytes += bytes(step.output, placement.output)
        if step.op.kind == .attention {
          let sequence = program.values[step.output].shape.dropLast().last ?? 1
          let heads = max(step.op.attributes.heads, 1)
          let local = bytes(step.output, placement.output) / 4
          let width = program.values[step.output].shape.last ?? 1
          activationBytes +=
            local / max(width, 1) * heads * sequence * 4 / max(placement.workDivisor, 1)
        }
      }
      let inFlight =
        options.schedule == .gpipe
        ? options.microBatches : min(stageCount - view.stage + chunks - 1, options.microBatches)
      return parameterBytes + inFlight * activationBytes
    }
  }
}

/// The memory this machine can give a run.
public enum MachineMemory {
  /// `MemAvailable` from `/proc/meminfo`, in bytes, or `nil` when unknown.
  public static func availableBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else {
      return nil
    }
    for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
      let fields = line.split(separator: " ")
      if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
    }
    return nil
  }
}
