import TensorOptCost
import TensorOptGraph

/// The costs of one combination (dp, tp, pp, micro-batch, recomputation,
/// sequence parallelism, ZeRO) layer by layer, on every distinct stage
/// placement: from them the tallies of any partition of the layers into
/// pipeline stages follow by prefix sums, as `StrategyEvaluator` would sum them.
///
/// Layer `l`'s unit holds one repetition of its block, the re-layout into the
/// block when `l` is the block's first layer, and the operators outside blocks
/// that run with layer `l` (those before the first layer run with layer 0,
/// every other with the layer before it). Tied operators are costed without a
/// replica; ``Tie`` holds what a replica on another stage adds.
struct LayerCosts {
  /// A tied operator and its owner.
  struct Tie {
    var ownerLayersBefore: Int
    var tiedLayersBefore: Int
    /// Per placement, the tied operator's tally without and with a replica.
    var tied: [StageTally] = []
    var replica: [StageTally] = []
    /// The replica's local parameters (before ZeRO).
    var parameters = 0.0
  }

  /// Repeated-block layers of the model.
  var layers: Int
  /// Devices per stage (`dp · tp`).
  var stageSize: Int
  /// The placement of every stage.
  var placementOf: [Int]
  /// One cost model per placement.
  var models: [AnalyticalStageCost]
  /// Per placement, per layer unit.
  var units: [[StageTally]]
  var ties: [Tie]
  /// The slowest pipeline send and the receivers' all-gather (scatter/gather), seconds.
  var maxSend: Double
  var gather: Double

  /// Pipeline stages.
  var stages: Int { placementOf.count }

  /// The tally of stage `stage` running the layer ranges `ranges`, for a
  /// partition that puts each tie's owner and operator on `tieStages` stages.
  func tally(stage: Int, ranges: [Range<Int>], tieStages: [(owner: Int, tied: Int)]) -> StageTally {
    let placement = placementOf[stage]
    var tally = StageTally()
    for range in ranges {
      for layer in range { tally.accumulate(units[placement][layer]) }
    }
    for (tie, where_) in zip(ties, tieStages) where where_.owner != where_.tied {
      if stage == where_.tied {
        tally.subtract(tie.tied[placement])
        tally.accumulate(tie.replica[placement])
      }
      if stage == where_.tied || stage == where_.owner {
        let allReduce = allReduceSeconds(tie, owner: where_.owner, tied: where_.tied)
        tally.gradientSync += allReduce
        tally.gradientSyncExposed += allReduce
      }
    }
    return tally
  }

  /// The tied gradient's all-reduce between stages `owner` and `tied`.
  func allReduceSeconds(_ tie: Tie, owner: Int, tied: Int) -> Double {
    var model = models[placementOf[tied]]
    model.firstDevice = tied * stageSize
    return model.tiedGradientAllReduce(
      parameters: tie.parameters, partnerFirstDevice: owner * stageSize)
  }

  /// The stages of each tie's owner and operator under `partition`.
  func tieStages(_ partition: LayerPartition) -> [(owner: Int, tied: Int)] {
    ties.map {
      (
        partition.chunk(afterLayers: $0.ownerLayersBefore) % stages,
        partition.chunk(afterLayers: $0.tiedLayersBefore) % stages
      )
    }
  }

  /// Every stage's tally under `partition` (chunk `c` on stage `c mod pp`).
  func stageTallies(_ partition: LayerPartition) -> [StageTally] {
    let where_ = tieStages(partition)
    var starts = [0]
    for count in partition.chunkLayers { starts.append(starts[starts.count - 1] + count) }
    return (0..<stages).map { stage in
      let ranges = stride(from: stage, to: partition.chunks, by: stages).map {
        starts[$0]..<starts[$0 + 1]
      }
      // A model without layers runs everything on stage 0 (unit 0).
      let all = layers == 0 ? (stage == 0 ? [0..<1] : []) : ranges
      return tally(stage: stage, ranges: all, tieStages: where_)
    }
  }

  /// Seconds of pipeline point-to-point per micro-batch with `v` chunks per device.
  func p2p(interleave v: Int) -> Double {
    stages > 1 ? 2 * Double(v) * (maxSend + gather) : 0
  }

  /// (seconds per iteration, peak bytes per device) of `tallies` under a schedule.
  func cost(
    _ tallies: [StageTally], schedule: PipelineSchedule, interleave v: Int, microBatches m: Int
  ) -> (time: Double, memory: Double) {
    let p = tallies.count
    let p2p = p2p(interleave: v)
    let stageTime = tallies.map { $0.microBatchTime + p2p }.max() ?? 0
    let pipeline = schedule.pipelineTime(
      stageTime: stageTime, stages: p, microBatches: m, chunks: v)
    let tail = tallies.map { $0.gradientSyncExposed + $0.optimizerStep }.max() ?? 0
    let peak =
      tallies.indices.map { stage in
        let t = tallies[stage]
        return t.stateBytes + t.activationBytes
          * schedule.inFlightMicroBatches(stage: stage, stages: p, microBatches: m, chunks: v)
          + t.workspaceBytes
      }.max() ?? 0
    return (pipeline + tail, peak)
  }
}

extension StageTally {
  /// Removes another tally's sums (its maxima cannot be removed and are kept).
  mutating func subtract(_ other: StageTally) {
    forward -= other.forward
    backward -= other.backward
    recompute -= other.recompute
    tensorParallel -= other.tensorParallel
    parameterGather -= other.parameterGather
    gradientSyncExposed -= other.gradientSyncExposed
    gradientSync -= other.gradientSync
    optimizerStep -= other.optimizerStep
    weightBytes -= other.weightBytes
    gradientBytes -= other.gradientBytes
    optimizerBytes -= other.optimizerBytes
    activationBytes -= other.activationBytes
  }
}
