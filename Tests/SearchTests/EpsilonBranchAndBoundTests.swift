import Foundation
import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptSearch

/// ε-approximate FT pruned by incumbents (branch and bound): every exact
/// frontier point is within `1 + ε` in both objectives of a returned point or
/// of an incumbent (the incumbents are reported points too).
@Suite("ε with branch and bound")
struct EpsilonBranchAndBoundTests {
  /// Whether some point of `points` is within `factor` of `cost` in both objectives.
  static func covered(_ cost: CostVector, by points: [CostVector], factor: Double) -> Bool {
    points.contains { $0.time <= cost.time * factor && $0.memory <= cost.memory * factor }
  }

  /// Incumbents near `targets`, for about a third of them: half scaled in each
  /// objective by a random factor in `1 ± ε/2` (some beat their target, some
  /// almost do), half just outside the guarantee, by a factor in
  /// `((1 + ε)·(1 + 10⁻⁶), (1 + ε)²)`: such an incumbent may not stand in for
  /// its target, so a prune that spends more than the budget loses the target.
  static func incumbents(
    near targets: [CostVector], epsilon: Double, _ random: inout SplitMix64
  ) -> [CostVector] {
    var result: [CostVector] = []
    for target in targets where Int.random(in: 0..<3, using: &random) == 0 {
      let outside = Bool.random(using: &random)
      let range =
        outside
        ? ((1 + epsilon) * (1 + 1e-6))...((1 + epsilon) * (1 + epsilon))
        : (1 - epsilon / 2)...(1 + epsilon / 2)
      result.append(
        CostVector(
          time: target.time * Double.random(in: range, using: &random),
          memory: target.memory * Double.random(in: range, using: &random)))
    }
    return result
  }

  @Test("random DAGs: every brute-force point is within 1 + ε of an FT point or an incumbent")
  func randomGraphsKeepTheGuarantee() throws {
    var random = SplitMix64(seed: 0xE5B0_0001)
    var prunings = 0
    var byIncumbentOnly = 0
    for index in 0..<1200 {
      let graph = RandomGraphs.dag(&random, maxNodes: 9)
      let epsilon = [0.01, 0.05, 0.1, 0.3, 1.0][index % 5]
      let reference = try ExhaustiveSearch().frontier(of: graph).costs
      let incumbent = Self.incumbents(near: reference, epsilon: epsilon, &random)
      var tracking = FrontierTracking(tolerance: epsilon)
      tracking.bound = IncumbentBound(incumbent)
      let result = tracking.solve(graph, terminals: [])
      let frontier = result.matrix[0, 0]
      prunings += result.statistics.boundPrunings
      #expect(frontier.isValid)
      #expect(frontier.logError <= log1p(epsilon) * (1 + 1e-12))
      // Returned points are real strategies with the costs they claim.
      for point in frontier.points {
        let assignment = try #require(point.trace.assignment(nodeCount: graph.nodeCount))
        #expect(graph.cost(of: assignment) == point.cost)
      }
      let factor = (1 + epsilon) * (1 + 1e-12)
      for point in reference {
        let byResult = Self.covered(point, by: frontier.costs, factor: factor)
        let byIncumbent = Self.covered(point, by: incumbent, factor: factor)
        #expect(byResult || byIncumbent, "\(point) lost, ε = \(epsilon)")
        if !byResult && byIncumbent { byIncumbentOnly += 1 }
      }
    }
    // The bound must act, and matter for the guarantee (or the test proves nothing).
    #expect(prunings > 1000)
    #expect(byIncumbentOnly > 100)
  }

  @Test("block powers thinned and pruned: every exact point is covered, or an incumbent beats it")
  func boundedThinnedPowerKeepsTheGuarantee() {
    var random = SplitMix64(seed: 0xE5B0_0002)
    var prunings = 0
    var byIncumbentOnly = 0
    for index in 0..<400 {
      let size = Int.random(in: 1...3, using: &random)
      let count = Int.random(in: 2...16, using: &random)
      let block = EpsilonBudgetTests.matrix(&random, size: size, points: 8)
      let epsilon = [0.01, 0.05, 0.2, 1.0][index % 4]
      let afterwards = Int.random(in: 0...4, using: &random)
      let rest = CostVector(
        time: Double(Int.random(in: 0...2000, using: &random)),
        memory: Double(Int.random(in: 0...2000, using: &random)))
      let exact = block.power(count)
      let targets = exact.entries.flatMap(\.costs).map { $0 + rest }
      let incumbent = Self.incumbents(near: targets, epsilon: epsilon, &random)
      let bound = IncumbentBound(incumbent)
      let pruned = block.power(
        count, bound: bound, rest: rest, budget: log1p(epsilon), afterwards: afterwards)
      prunings += pruned.prunings
      let factor = (1 + epsilon) * (1 + 1e-12)
      for i in 0..<size {
        for j in 0..<size {
          let entry = pruned.matrix[i, j]
          #expect(entry.isValid)
          #expect(entry.logError <= log1p(epsilon) * (1 + 1e-12))
          // Kept points are real sums: none beats the exact frontier.
          for point in exact[i, j].points {
            #expect(!entry.points.contains { $0.cost.dominates(point.cost) })
          }
          for point in exact[i, j].costs {
            // Every completion costs at least `rest` more.
            let byResult = entry.covers(point, factor: factor)
            let byIncumbent = Self.covered(point + rest, by: incumbent, factor: factor)
            #expect(byResult || byIncumbent, "\(point) of (\(i), \(j)) lost, ε = \(epsilon)")
            if !byResult && byIncumbent { byIncumbentOnly += 1 }
          }
        }
      }
    }
    #expect(prunings > 500)
    #expect(byIncumbentOnly > 100)
  }

  @Test(
    "a stage search with blocks, ε and incumbents covers the exact frontier",
    arguments: [(3, [4], 0.01), (4, [2, 2], 0.05), (3, [2, 2], 0.2)])
  func stageSearchKeepsTheGuarantee(layers: Int, mesh: [Int], epsilon: Double) throws {
    let graph = try TestModels.gpt(
      layers: layers, batch: 4, sequence: 64, hidden: 64, heads: 4, vocab: 256)
    let costModels: [any StageCostModel] = [SimpleStageCost(mesh: DeviceMesh(mesh))]
    let reference = try StageSearch.frontier(of: graph, costModels: costModels).points.map(\.cost)
    var random = SplitMix64(seed: 0xE5B0_0003)
    let incumbent = Self.incumbents(near: reference, epsilon: epsilon, &random)
    let options = SearchOptions(epsilon: epsilon)
    let result = try StageSearch.frontier(
      of: graph, costModels: costModels, options: options, incumbent: IncumbentBound(incumbent))
    // ε no longer turns the bound off.
    #expect(result.statistics.boundPrunings > 0)
    let unbounded = try StageSearch.frontier(of: graph, costModels: costModels, options: options)
    #expect(unbounded.statistics.boundPrunings == 0)
    let costs = result.points.map(\.cost)
    let factor = (1 + epsilon) * (1 + 1e-12)
    for point in reference {
      #expect(
        Self.covered(point, by: costs, factor: factor)
          || Self.covered(point, by: incumbent, factor: factor),
        "\(point) lost, ε = \(epsilon)")
    }
    // Returned points are real strategies: none beats the exact frontier.
    for point in costs {
      #expect(!reference.contains { point.dominates($0) })
    }
  }
}
