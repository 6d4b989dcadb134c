import TensorOptCost

/// The outer choices of a pipelined strategy that the operator-level search
/// inside its stages keeps fixed: layers per stage, micro-batches, schedule,
/// recomputation and ZeRO. The stage mesh, and with it data and tensor
/// parallelism and sequence parallelism, is the search's to choose.
struct PipelineFamily: Hashable, Sendable {
  /// Layers of each stage, in stage order (the pipeline depth is their count).
  var stageLayers: [Int]
  /// Micro-batches per iteration.
  var microBatches: Int
  /// The schedule (never interleaved).
  var schedule: PipelineSchedule
  /// Activation recomputation (none or selective).
  var recomputation: Recomputation
  /// ZeRO stage 0-3.
  var zeroStage: Int

  /// Pipeline stages.
  var stages: Int { stageLayers.count }

  /// The family of a uniform strategy running `microBatches` micro-batches on
  /// a model of `layers` layers, or `nil` when the search inside stages does
  /// not cover it: a single stage, interleaving, or full recomputation (whose
  /// rematerialisation workspace the per-stage search does not price).
  init?(_ strategy: ParallelStrategy, microBatches: Int, layers: Int) {
    guard strategy.pipelineStages > 1, strategy.interleave == 1,
      strategy.recomputation != .full
    else { return nil }
    self.stageLayers = strategy.partition(layers: layers).chunkLayers
    self.microBatches = microBatches
    self.schedule = strategy.schedule
    self.recomputation = strategy.recomputation
    self.zeroStage = strategy.zeroStage
  }

  /// The pipeline's slots per iteration: `m + p − 1`.
  var slots: Double { Double(microBatches + stages - 1) }

  /// A total order (for deterministic output).
  static func precedes(_ a: PipelineFamily, _ b: PipelineFamily) -> Bool {
    let x = (a.stageLayers.count, a.microBatches, a.schedule.rawValue, a.zeroStage)
    let y = (b.stageLayers.count, b.microBatches, b.schedule.rawValue, b.zeroStage)
    if x != y { return x < y }
    if a.recomputation != b.recomputation {
      return a.recomputation.rawValue < b.recomputation.rawValue
    }
    return a.stageLayers.lexicographicallyPrecedes(b.stageLayers)
  }
}
