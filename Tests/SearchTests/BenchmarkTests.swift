import Foundation
import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptSearch

/// Timing of FT on a 12-layer GPT-2-sized graph over 8 devices (`TENSOROPT_BENCH=1`).
@Test(.enabled(if: ProcessInfo.processInfo.environment["TENSOROPT_BENCH"] != nil))
func benchmarkGPT2Timing() throws {
  let clock = ContinuousClock()
  let graph = try TestModels.gpt(layers: 12, batch: 8)
  for model in models(devices: 8) {
    var problem: StageProblem!
    let t0 = try clock.measure { problem = try StageProblem(graph: graph, costModel: model) }
    print(
      "mesh \(model.mesh) build \(t0) nodes \(problem.configurationGraph.configurationCounts) body \(problem.blocks.map { $0.graph.configurationCounts })"
    )
    for block in problem.blocks {
      var body: FrontierTracking.Result!
      let tb = clock.measure {
        body = FrontierTracking().solve(block.graph, terminals: [block.input, block.output])
      }
      var composed: FrontierMatrix!
      let tp = clock.measure { composed = body.matrix.power(block.repeatCount) }
      print(
        "  body \(tb) (largest \(body.matrix.maximumFrontierSize)), power \(tp) (largest \(composed.maximumFrontierSize))"
      )
    }
    var result: (Frontier, EliminationStatistics)!
    let t1 = clock.measure { result = StageSearch.frontierTracking(problem, epsilon: 0) }
    print("  ft \(t1) points \(result.0.count) stats \(result.1)")
  }
}

/// Exhaustive search on mlp with a small visit budget (`TENSOROPT_BENCH=1`).
@Test(.enabled(if: ProcessInfo.processInfo.environment["TENSOROPT_BENCH"] != nil))
func benchmarkMLPExhaustive() throws {
  let graph = try TestModels.mlp(batch: 64)
  for model in models(devices: 4) {
    let problem = try StageProblem(graph: graph, costModel: model, expandingBlocks: true)
    print("mesh \(model.mesh) counts \(problem.configurationGraph.configurationCounts)")
    let clock = ContinuousClock()
    do {
      var f: Frontier!
      let t = try clock.measure {
        f = try ExhaustiveSearch(visitBudget: 5_000_000).frontier(of: problem.configurationGraph)
      }
      print("  exhaustive \(t) \(f.count)")
    } catch { print("  \(error)") }
  }
}
