import Foundation
import TensorOptCost
import Testing

@testable import TensorOptSearch

/// Sorted costs, for comparing frontiers regardless of traces.
func costSet(_ frontier: Frontier) -> [CostVector] { frontier.costs }

@Suite("FT against brute force on random graphs")
struct FrontierTrackingPropertyTests {
  @Test("exact FT returns exactly the brute-force frontier on random DAGs")
  func exactMatchesBruteForce() throws {
    var random = SplitMix64(seed: 0x5EED_0001)
    var conditioned = 0
    for _ in 0..<400 {
      let graph = RandomGraphs.dag(&random)
      let reference = try ExhaustiveSearch().frontier(of: graph)
      let result = FrontierTracking().solve(graph, terminals: [])
      let frontier = result.matrix[0, 0]
      if result.statistics.conditioningBranches > 0 { conditioned += 1 }
      let same = costSet(frontier) == costSet(reference)
      #expect(same, "FT \(costSet(frontier)) vs brute force \(costSet(reference))")
      #expect(frontier.isValid)
    }
    // The generator must exercise the non-series-parallel path too.
    #expect(conditioned > 20)
  }

  @Test("every FT strategy re-costed from scratch has the cost its point claims")
  func tracesReproduceCosts() throws {
    var random = SplitMix64(seed: 0x5EED_0002)
    for index in 0..<300 {
      let graph = RandomGraphs.dag(&random)
      let epsilon = index.isMultiple(of: 2) ? 0 : 0.2
      let frontier = FrontierTracking(tolerance: epsilon).frontier(of: graph)
      for point in frontier.points {
        let assignment = try #require(point.trace.assignment(nodeCount: graph.nodeCount))
        #expect(graph.cost(of: assignment) == point.cost)
      }
    }
  }

  @Test(
    "with ε > 0 every brute-force point is within 1 + ε of an FT point, and no FT point beats the truth"
  )
  func thinnedFrontierCoversReference() throws {
    var random = SplitMix64(seed: 0x5EED_0003)
    var thinnedSomething = false
    for index in 0..<300 {
      let graph = RandomGraphs.dag(&random, maxNodes: 8, maxConfigurations: 4)
      let epsilon = [0.05, 0.1, 0.3, 1.0][index % 4]
      let frontier = FrontierTracking(tolerance: epsilon).frontier(of: graph)
      let reference = try ExhaustiveSearch().frontier(of: graph)
      #expect(frontier.isValid)
      #expect(frontier.logError <= log1p(epsilon) * (1 + 1e-12))
      for point in reference.points {
        let covered = frontier.covers(point.cost, factor: (1 + epsilon) * (1 + 1e-12))
        #expect(covered, "\(point.cost) not covered within 1 + \(epsilon)")
      }
      // Every FT point is a real strategy, so none is better than the truth. (An
      // exact point may dominate a returned one: a union keeps a point whose
      // dominator was thinned away in another operand.)
      for point in frontier.points {
        #expect(!reference.points.contains { point.cost.dominates($0.cost) })
      }
      if frontier.count < reference.count { thinnedSomething = true }
    }
    #expect(thinnedSomething)
  }

  @Test("a two-terminal reduction equals brute force with the terminals fixed")
  func terminalMatrixMatchesBruteForce() throws {
    var random = SplitMix64(seed: 0x5EED_0004)
    for _ in 0..<200 {
      let graph = RandomGraphs.dag(&random, maxNodes: 7)
      guard graph.nodeCount >= 2 else { continue }
      let a = Int.random(in: 0..<graph.nodeCount, using: &random)
      var b = Int.random(in: 0..<graph.nodeCount - 1, using: &random)
      if b >= a { b += 1 }
      let matrix = FrontierTracking().frontierMatrix(of: graph, from: a, to: b)
      for i in 0..<graph.nodeCosts[a].count {
        for j in 0..<graph.nodeCosts[b].count {
          let reference = try ExhaustiveSearch().frontier(of: graph.fixing([a: i, b: j]))
          let same = costSet(matrix[i, j]) == costSet(reference)
          #expect(same, "entry (\(i), \(j)): \(costSet(matrix[i, j])) vs \(costSet(reference))")
        }
      }
    }
  }

  @Test("block composition by doubling equals the unrolled chain")
  func powerMatchesUnrolledChain() throws {
    var random = SplitMix64(seed: 0x5EED_0005)
    for _ in 0..<60 {
      let layouts = Int.random(in: 1...3, using: &random)
      let count = Int.random(in: 1...6, using: &random)
      // A block: terminals 0 (in) and 1 (out) of zero cost, a small body between.
      var body = ConfigurationGraph()
      body.addNode(costs: Array(repeating: .zero, count: layouts))
      body.addNode(costs: Array(repeating: .zero, count: layouts))
      let inner = Int.random(in: 1...3, using: &random)
      for _ in 0..<inner {
        body.addNode(
          costs: (0..<Int.random(in: 1...2, using: &random)).map { _ in RandomGraphs.cost(&random) }
        )
      }
      var edgeRandom = SplitMix64(seed: random.next())
      body.addEdge(from: 0, to: 2) { _, _ in RandomGraphs.cost(&edgeRandom) }
      for node in 3..<(2 + inner + 1) where node < body.nodeCount {
        body.addEdge(from: Int.random(in: 2..<node, using: &random), to: node) { _, _ in
          RandomGraphs.cost(&edgeRandom)
        }
      }
      body.addEdge(from: body.nodeCount - 1, to: 1) { _, _ in RandomGraphs.cost(&edgeRandom) }
      if Bool.random(using: &random) {
        body.addEdge(from: 0, to: 1) { _, _ in RandomGraphs.cost(&edgeRandom) }
      }
      let matrix = FrontierTracking().frontierMatrix(of: body, from: 0, to: 1)
      let composed = matrix.power(count)
      // Unroll: boundary nodes 0…count, each repetition's inner nodes.
      var chain = ConfigurationGraph()
      for _ in 0...count { chain.addNode(costs: Array(repeating: .zero, count: layouts)) }
      for repetition in 0..<count {
        var map = [repetition, repetition + 1]
        for node in 2..<body.nodeCount { map.append(chain.addNode(costs: body.nodeCosts[node])) }
        for edge in body.edges {
          let columns = body.nodeCosts[edge.target].count
          chain.addEdge(from: map[edge.source], to: map[edge.target]) {
            edge.costs[$0 * columns + $1]
          }
        }
      }
      for i in 0..<layouts {
        for j in 0..<layouts {
          let reference = try ExhaustiveSearch().frontier(of: chain.fixing([0: i, count: j]))
          let same = costSet(composed[i, j]) == costSet(reference)
          #expect(same, "entry (\(i), \(j)) of \(count) repetitions")
          for point in composed[i, j].points {
            // Each repetition's picks are complete.
            let picks = point.trace.picks
            #expect(Set(picks.map(\.repetition)) == Set(0..<count))
          }
        }
      }
    }
  }

  @Test("brute force refuses graphs with too many strategies, naming the count")
  func exhaustiveRefusesLargeGraphs() {
    var graph = ConfigurationGraph()
    for _ in 0..<30 { graph.addNode(costs: Array(repeating: .zero, count: 4)) }
    #expect {
      try ExhaustiveSearch().frontier(of: graph)
    } throws: { error in
      "\(error)".contains("1.15e+18") && "\(error)".contains("limit")
    }
  }
}

extension ConfigurationGraph {
  /// The graph with the given nodes restricted to one configuration (their
  /// other configurations made infinitely expensive).
  func fixing(_ choices: [Int: Int]) -> ConfigurationGraph {
    var copy = ConfigurationGraph()
    for (node, costs) in nodeCosts.enumerated() {
      if let chosen = choices[node] {
        copy.addNode(costs: [costs[chosen]])
      } else {
        copy.addNode(costs: costs)
      }
    }
    for edge in edges {
      let columns = nodeCosts[edge.target].count
      let rowMap = choices[edge.source]
      let columnMap = choices[edge.target]
      copy.addEdge(from: edge.source, to: edge.target) { cs, ct in
        edge.costs[(rowMap ?? cs) * columns + (columnMap ?? ct)]
      }
    }
    return copy
  }
}
