import TensorOptCost
import Testing

@testable import TensorOptSearch

/// The costs of every strategy of `graph`, enumerated.
private func allCosts(of graph: ConfigurationGraph) -> [CostVector] {
  var result: [CostVector] = []
  var assignment = [Int](repeating: 0, count: graph.nodeCount)
  while true {
    result.append(graph.cost(of: assignment))
    var node = 0
    while node < graph.nodeCount {
      assignment[node] += 1
      if assignment[node] < graph.nodeCosts[node].count { break }
      assignment[node] = 0
      node += 1
    }
    if node == graph.nodeCount { return result }
  }
}

/// The non-dominated costs of `points` (of equal costs, one).
private func nonDominated(_ points: [CostVector]) -> [CostVector] {
  Frontier.nonDominatedIndices(points.count) { points[$0] }.map { points[$0] }
}

/// Branch and bound against fitting incumbents under a memory limit that some
/// strategies exceed, against brute force over every strategy.
@Suite("The infeasible set under branch and bound")
struct BoundedInfeasibleSetTests {
  @Test(
    "fitting and infeasible parts of one Pareto set over incumbents and pruned FT match brute force"
  )
  func splitParetoSetMatchesBruteForce() throws {
    var random = SplitMix64(seed: 0xB0B0_0002)
    var pruned = 0
    var leaks = 0
    var extras = 0
    for _ in 0..<600 {
      let graph = RandomGraphs.dag(&random, maxNodes: 8)
      let everything = allCosts(of: graph)
      let memories = everything.map(\.memory).sorted()
      let limit = memories[Int.random(in: 0..<memories.count, using: &random)]
      // Fitting incumbents, as the planner passes its fitting uniform frontier:
      // some strategies' costs shifted a little either way, kept if they fit.
      var incumbents: [CostVector] = []
      for cost in everything where Int.random(in: 0..<6, using: &random) == 0 {
        let shifted = CostVector(
          time: max(0, cost.time + Double(Int.random(in: -3...1, using: &random))),
          memory: max(0, cost.memory + Double(Int.random(in: -3...1, using: &random))))
        if shifted.memory <= limit { incumbents.append(shifted) }
      }
      var tracking = FrontierTracking()
      tracking.bound = IncumbentBound(incumbents)
      let result = tracking.solve(graph, terminals: [])
      pruned += result.statistics.boundPrunings
      let found = result.matrix[0, 0].costs
      // One Pareto set over everything, incumbents included, split at the limit.
      let expected = nonDominated(incumbents + everything)
      let actual = nonDominated(incumbents + found)
      #expect(actual.filter { $0.memory <= limit } == expected.filter { $0.memory <= limit })
      #expect(actual.filter { $0.memory > limit } == expected.filter { $0.memory > limit })
      // The Pareto set of the search's points over the limit among themselves
      // (the old infeasible set) is not preserved: points over the limit that
      // the fitting incumbents beat are pruned from it.
      let unprunedOver = nonDominated(everything).filter { $0.memory > limit }
      let prunedOver = nonDominated(found.filter { $0.memory > limit })
      if prunedOver != unprunedOver { leaks += 1 }
      // Every new frontier is pruned against a bound no smaller than the one a
      // pruned point met, so what only a pruned point dominated is pruned too:
      // the pruned frontier is part of the unpruned one.
      let reference = nonDominated(everything)
      extras += found.filter { !reference.contains($0) }.count
    }
    #expect(pruned > 500)
    #expect(extras == 0)
    // The old definition of the infeasible set would have been wrong here.
    #expect(leaks > 0)
  }
}
