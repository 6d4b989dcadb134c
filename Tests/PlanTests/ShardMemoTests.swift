import Testing

@testable import TensorOptCost
@testable import TensorOptImport
@testable import TensorOptPlan

@Suite("The screen's memoised operator costs")
struct ShardMemoTests {
  /// Strategies on one mesh and micro-batch (so one cache entry of layouts),
  /// each differing from the one before in one thing an operator's cost
  /// depends on: screened in turn through one cache, every one must still
  /// agree with the evaluator (which memoises nothing).
  @Test func aSharedCacheAgreesWithTheEvaluator() throws {
    let model = try ModelLoader.load("gpt-mini")
    // Stages of 4 devices, 6 per node: stage 0 sits in one node, stage 1
    // straddles two (its groups differ), stages 2 and 3 (pp = 4) start at
    // offsets 2 and 0.
    let cluster = ClusterPreset.h100.cluster(devices: 24, devicesPerNode: 6)
    let base = ParallelStrategy(
      dataParallel: 2, tensorParallel: 2, pipelineStages: 2, microBatchSize: 1)
    func with(_ change: (inout ParallelStrategy) -> Void) -> ParallelStrategy {
      var s = base
      change(&s)
      return s
    }
    let variants: [(strategy: ParallelStrategy, batch: Int)] = [
      (base, 8),
      (with { $0.dtype = .fp32 }, 8),
      (with { $0.dtype = .fp16 }, 8),
      (with { $0.zeroStage = 1 }, 8),
      (with { $0.zeroStage = 2 }, 8),
      (with { $0.zeroStage = 3 }, 8),
      (with { $0.recomputation = .selective }, 8),
      (with { $0.recomputation = .full }, 8),
      (with { $0.optimizer = .sgd }, 8),
      (base, 32),  // more micro-batches
      (with { $0.pipelineStages = 4 }, 8),
      (with { $0.pipelineStages = 1 }, 8),
      (with { $0.sequenceParallel = true }, 8),
      (with { $0.dtype = .fp32 }, 8),
      (base, 8),
    ]
    var cache: [UniformPipelineCost.LayoutKey: UniformPipelineCost.Layouts] = [:]
    for (s, batch) in variants {
      try expectScreenAgreesWithEvaluator(
        s, batch: batch, model: model, cluster: cluster, cache: &cache)
    }
    // Every variant shares the [2, 2] mesh and 2 samples per micro-batch: one
    // layouts entry, and one with sequence parallelism.
    #expect(cache.count == 2)
  }
}
