import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptSearch

/// The non-dominated costs of `incumbents` followed by `points` (ties keep the
/// incumbent), as the planner merges them.
private func merged(_ incumbents: [CostVector], _ points: [CostVector]) -> [CostVector] {
  let all = incumbents + points
  return Frontier.nonDominatedIndices(all.count) { all[$0] }.map { all[$0] }
}

/// Random incumbents near `reference`: some of its points shifted by a few
/// units either way, and a random point.
private func incumbents(near reference: [CostVector], _ random: inout SplitMix64) -> [CostVector] {
  var result = [RandomGraphs.cost(&random, scale: 60)]
  for point in reference where Int.random(in: 0..<3, using: &random) == 0 {
    result.append(
      CostVector(
        time: max(0, point.time + Double(Int.random(in: -4...2, using: &random))),
        memory: max(0, point.memory + Double(Int.random(in: -4...2, using: &random)))))
  }
  return result
}

@Suite("Branch and bound against incumbents")
struct BranchAndBoundTests {
  @Test("pruned FT merged with the incumbents equals brute force merged with them")
  func prunedMergeMatchesBruteForce() throws {
    var random = SplitMix64(seed: 0xB0B0_0001)
    var pruned = 0
    var changed = 0
    for _ in 0..<400 {
      let graph = RandomGraphs.dag(&random, maxNodes: 9)
      let reference = try ExhaustiveSearch().frontier(of: graph).costs
      let incumbent = incumbents(near: reference, &random)
      var tracking = FrontierTracking()
      tracking.bound = IncumbentBound(incumbent)
      let result = tracking.solve(graph, terminals: [])
      let frontier = result.matrix[0, 0]
      pruned += result.statistics.boundPrunings
      if frontier.count < reference.count { changed += 1 }
      #expect(frontier.isValid)
      #expect(merged(incumbent, frontier.costs) == merged(incumbent, reference))
      // What is left is real strategies with the costs they claim.
      for point in frontier.points {
        let assignment = try #require(point.trace.assignment(nodeCount: graph.nodeCount))
        #expect(graph.cost(of: assignment) == point.cost)
      }
      // Nothing an incumbent does not strictly beat is lost.
      let bound = IncumbentBound(incumbent)
      for point in reference where !bound.dominates(point) {
        #expect(frontier.costs.contains(point))
      }
    }
    // The pruning must actually drop points (or the test proves nothing).
    #expect(pruned > 1000)
    #expect(changed > 50)
  }

  @Test(
    "a stage search with blocks pruned by incumbents keeps every point they do not beat",
    arguments: [(2, [4]), (3, [2, 2])])
  func stageSearchKeepsUnbeatenPoints(layers: Int, mesh: [Int]) throws {
    let graph = try TestModels.gpt(
      layers: layers, batch: 4, sequence: 64, hidden: 64, heads: 4, vocab: 256)
    let costModels: [any StageCostModel] = [SimpleStageCost(mesh: DeviceMesh(mesh))]
    let reference = try StageSearch.frontier(of: graph, costModels: costModels)
    // Incumbents slightly better than every third reference point.
    let incumbent = reference.points.enumerated().filter { $0.offset % 3 == 1 }.map {
      CostVector(time: $0.element.cost.time * 0.98, memory: $0.element.cost.memory * 0.98)
    }
    let bound = IncumbentBound(incumbent)
    let result = try StageSearch.frontier(of: graph, costModels: costModels, incumbent: bound)
    #expect(result.statistics.boundPrunings > 0)
    #expect(result.points.count < reference.points.count)
    #expect(
      merged(incumbent, result.points.map(\.cost))
        == merged(incumbent, reference.points.map(\.cost)))
    for point in reference.points where !bound.dominates(point.cost) {
      let same = result.points.contains { $0.cost == point.cost && $0.strategy == point.strategy }
      #expect(same, "\(point.cost) lost")
    }
  }
}
