import TensorOptCost
import TensorOptSearch

/// Random configuration graphs with integer-valued costs (so sums are exact).
enum RandomGraphs {
  static func cost(_ random: inout SplitMix64, scale: Int = 20) -> CostVector {
    CostVector(
      time: Double(Int.random(in: 0...scale, using: &random)),
      memory: Double(Int.random(in: 0...scale, using: &random)))
  }

  /// A random DAG of up to `maxNodes` nodes: every node after the first is
  /// joined to one or two earlier nodes (branches and joins), plus a few extra
  /// edges that often make it non-series-parallel.
  static func dag(_ random: inout SplitMix64, maxNodes: Int = 8, maxConfigurations: Int = 3)
    -> ConfigurationGraph
  {
    var graph = ConfigurationGraph()
    let n = Int.random(in: 1...maxNodes, using: &random)
    for _ in 0..<n {
      let count = Int.random(in: 1...maxConfigurations, using: &random)
      graph.addNode(costs: (0..<count).map { _ in cost(&random) })
    }
    var pairs: [(Int, Int)] = []
    for node in 1..<max(n, 1) {
      let parents = Int.random(in: 1...2, using: &random)
      for _ in 0..<parents { pairs.append((Int.random(in: 0..<node, using: &random), node)) }
    }
    if n > 2 {
      for _ in 0..<Int.random(in: 0...2, using: &random) {
        let a = Int.random(in: 0..<n, using: &random)
        let b = Int.random(in: 0..<n, using: &random)
        if a != b { pairs.append((min(a, b), max(a, b))) }
      }
    }
    for (a, b) in pairs {
      var edgeRandom = SplitMix64(seed: random.next())
      graph.addEdge(from: a, to: b) { _, _ in cost(&edgeRandom, scale: 10) }
    }
    return graph
  }
}
