import Testing

@testable import TensorOptCost
@testable import TensorOptImport
@testable import TensorOptPlan

@Suite("The planner's screening formulas")
struct UniformPipelineCostTests {
  @Test(arguments: [
    ParallelStrategy(dataParallel: 2, tensorParallel: 2, pipelineStages: 2, microBatchSize: 1),
    ParallelStrategy(
      dataParallel: 1, tensorParallel: 2, pipelineStages: 4, microBatchSize: 2, schedule: .gpipe,
      recomputation: .full, zeroStage: 0),
    ParallelStrategy(
      dataParallel: 2, tensorParallel: 1, pipelineStages: 2, microBatchSize: 1, interleave: 2,
      recomputation: .selective, zeroStage: 3),
    ParallelStrategy(
      dataParallel: 1, tensorParallel: 4, pipelineStages: 2, microBatchSize: 4,
      sequenceParallel: true, zeroStage: 2),
    ParallelStrategy(dataParallel: 8, microBatchSize: 1, zeroStage: 1),
    ParallelStrategy(
      dataParallel: 2, tensorParallel: 1, pipelineStages: 4, microBatchSize: 1, zeroStage: 1,
      stageLayers: [1, 1, 1, 1]),
    ParallelStrategy(
      dataParallel: 1, tensorParallel: 2, pipelineStages: 3, microBatchSize: 2, schedule: .gpipe,
      recomputation: .full, zeroStage: 3, stageLayers: [2, 1, 1]),
  ])
  func screeningAgreesWithTheEvaluator(_ base: ParallelStrategy) throws {
    var s = base
    s.dtype = .bf16
    let model = try ModelLoader.load("gpt-mini")
    let cluster = ClusterPreset.h100.cluster(devices: 8, devicesPerNode: 4)
    var cache: [UniformPipelineCost.LayoutKey: UniformPipelineCost.Layouts] = [:]
    try expectScreenAgreesWithEvaluator(
      s, batch: 8, model: model, cluster: cluster, cache: &cache)
  }
}
