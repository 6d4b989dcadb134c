import Foundation
import Testing
import TensorOptCost
import TensorOptGraph
@testable import TensorOptSearch

@Test func scratchTiming() throws {
  let clock = ContinuousClock()
  let graph = try TestModels.gpt(layers: 12, batch: 8)
  for model in models(devices: 8) {
    var problem: StageProblem!
    let t0 = try clock.measure { problem = try StageProblem(graph: graph, costModel: model) }
    print("mesh \(model.mesh) build \(t0) nodes \(problem.configurationGraph.configurationCounts) body \(problem.blocks.map { $0.graph.configurationCounts })")
    var result: (Frontier, EliminationStatistics)!
    let t1 = clock.measure { result = StageSearch.frontierTracking(problem, epsilon: 0) }
    print("  ft \(t1) points \(result.0.count) stats \(result.1)")
  }
}
