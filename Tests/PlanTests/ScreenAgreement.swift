import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan

/// Screens `s` on gpt-mini (sequence 128, global batch `batch`) through
/// `cache` and expects the screen's time and peak memory with the strategy's
/// partition to agree with the evaluator's to 1e-9 (relative).
func expectScreenAgreesWithEvaluator(
  _ s: ParallelStrategy, batch: Int, model: Model, cluster: Cluster,
  cache: inout [UniformPipelineCost.LayoutKey: UniformPipelineCost.Layouts]
) throws {
  let m = batch / (s.dataParallel * s.microBatchSize)
  let graph = try model.graph(batchSize: s.dataParallel * s.microBatchSize, sequenceLength: 128)
    .paddingVocabulary(toMultipleOf: s.vocabularyMultiple)
  let evaluation = StrategyEvaluator(cluster: cluster).evaluate(
    graph: graph, modelName: model.name, family: model.family, globalBatchSize: batch,
    sequenceLength: 128, microBatches: m, strategy: s)
  let costs = UniformPipelineCost(cluster: cluster).layerCosts(
    graph: graph, strategy: s, microBatches: m, layouts: &cache)
  let cost = costs.cost(
    costs.stageTallies(s.partition(layers: graph.layerCount)), schedule: s.schedule,
    interleave: s.interleave, microBatches: m)
  #expect(abs(cost.time - evaluation.timeS) <= 1e-9 * evaluation.timeS, "\(s), batch \(batch)")
  #expect(
    abs(cost.memory - evaluation.memoryBytes) <= 1e-9 * evaluation.memoryBytes,
    "\(s), batch \(batch)")
}
