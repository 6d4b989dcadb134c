import TensorOptCost

/// The working state of FT: node frontiers and edge frontier matrices of a
/// configuration graph under reduction, plus the frontier of the parts
/// already folded away (``constant``).
struct EliminationState {
  struct EdgeSlot {
    var a: Int
    var b: Int
    /// Rows are `a`'s configurations.
    var matrix: FrontierMatrix
    /// The least time and least memory over the entries (see ``Frontier/floor``).
    var floor: CostVector
  }

  /// Per node and configuration, the frontier of the node and whatever was folded into it; `nil` once removed.
  var nodes: [[Frontier]?]
  /// Per node, its neighbours and the slot of the edge to each.
  var neighbors: [[Int: Int]]
  var edges: [EdgeSlot?]
  /// The frontier of everything folded out of the graph (independent of every remaining node).
  var constant: Frontier = .unit
  var terminals: Set<Int>
  /// The error budget `ln(1 + ε)` thinning may spend (0: exact); see
  /// ``Frontier/thinned(budget:remaining:)``.
  var budget: Double
  /// An estimate of the thinnings that follow this reduction's result (e.g.
  /// block compositions and the stage graph after a block body).
  var afterwards: Int
  /// The nodes not yet removed.
  var liveNodes: Int
  var statistics = EliminationStatistics()
  /// Incumbents to prune against (branch and bound), for a reduction without
  /// terminals whose result is the whole search's frontier; see ``IncumbentBound``.
  var bound: IncumbentBound?

  init(graph: ConfigurationGraph, terminals: Set<Int>, budget: Double, afterwards: Int) {
    self.terminals = terminals
    self.budget = budget
    self.afterwards = afterwards
    self.liveNodes = graph.nodeCount
    nodes = graph.nodeCosts.enumerated().map { node, costs in
      costs.enumerated().map { configuration, cost in
        Frontier.single(cost, trace: .pick(node: node, configuration: configuration))
      }
    }
    neighbors = Array(repeating: [:], count: graph.nodeCount)
    edges = []
    for edge in graph.edges {
      let columns = graph.nodeCosts[edge.target].count
      let matrix = FrontierMatrix(rows: graph.nodeCosts[edge.source].count, columns: columns) {
        Frontier.single(edge.costs[$0 * columns + $1])
      }
      addEdge(edge.source, edge.target, matrix)
    }
    for edge in graph.compositeEdges { addEdge(edge.source, edge.target, edge.matrix) }
  }

  func frontiers(_ node: Int) -> [Frontier] { nodes[node] ?? [] }

  /// An estimate of the thinnings still ahead of a frontier built now: one per
  /// remaining node, then what follows the reduction.
  var remainingThinnings: Int { liveNodes + afterwards }

  /// `frontier` thinned against the budget.
  func thin(_ frontier: Frontier) -> Frontier {
    frontier.thinned(budget: budget, remaining: remainingThinnings)
  }

  /// The edge entry for `u` taking `cu` and `v` taking `cv`.
  func entry(_ slot: Int, from u: Int, _ cu: Int, _ cv: Int) -> Frontier {
    guard let edge = edges[slot] else { return .empty }
    return edge.a == u ? edge.matrix[cu, cv] : edge.matrix[cv, cu]
  }

  /// Adds an edge, merging it with an existing one between the same nodes
  /// (edge elimination).
  mutating func addEdge(_ u: Int, _ v: Int, _ matrix: FrontierMatrix) {
    if let slot = neighbors[u][v], let existing = edges[slot] {
      let oriented = existing.a == u ? matrix : matrix.transposed
      let merged = existing.matrix.adding(oriented).thinned(
        budget: budget, remaining: remainingThinnings)
      edges[slot]?.matrix = merged
      edges[slot]?.floor = merged.floor
      statistics.edgeEliminations += 1
      pruneEdge(slot)
      statistics.observe(edges[slot]?.matrix.maximumFrontierSize ?? 0)
      return
    }
    edges.append(EdgeSlot(a: u, b: v, matrix: matrix, floor: matrix.floor))
    neighbors[u][v] = edges.count - 1
    neighbors[v][u] = edges.count - 1
    pruneEdge(edges.count - 1)
  }

  mutating func removeEdge(_ slot: Int) {
    guard let edge = edges[slot] else { return }
    neighbors[edge.a][edge.b] = nil
    neighbors[edge.b][edge.a] = nil
    edges[slot] = nil
  }

  mutating func removeNode(_ v: Int) {
    for (_, slot) in neighbors[v] { removeEdge(slot) }
    if nodes[v] != nil { liveNodes -= 1 }
    nodes[v] = nil
  }

  /// Removes an isolated node, folding its best configurations into ``constant``.
  mutating func eliminateIsolated(_ v: Int) {
    constant = thin(constant.minkowskiSum(Frontier.union(frontiers(v))))
    removeNode(v)
    pruneConstant()
    statistics.observe(constant.count)
    statistics.leafEliminations += 1
  }

  /// Leaf elimination: `v`'s only neighbour absorbs it.
  mutating func eliminateLeaf(_ v: Int) {
    guard let (u, slot) = neighbors[v].first else { return eliminateIsolated(v) }
    let own = frontiers(v)
    var updated = frontiers(u)
    for cu in updated.indices {
      let pairs = own.indices.map { cv in (entry(slot, from: u, cu, cv), own[cv]) }
      updated[cu] = thin(updated[cu].minkowskiSum(Frontier.unionOfSums(pairs)))
    }
    nodes[u] = updated
    removeNode(v)
    pruneNode(u)
    for frontier in frontiers(u) { statistics.observe(frontier.count) }
    statistics.leafEliminations += 1
  }

  /// Node (series) elimination: `v` between `u` and `w` becomes an edge `u–w`.
  mutating func eliminateSeries(_ v: Int) {
    let pair = neighbors[v].sorted { $0.key < $1.key }
    let (u, first) = (pair[0].key, pair[0].value)
    let (w, second) = (pair[1].key, pair[1].value)
    let own = frontiers(v)
    let uCount = frontiers(u).count
    let wCount = frontiers(w).count
    // G[cu][cv] = E(u,v)[cu][cv] ⊕ F(v)[cv], computed once per (cu, cv).
    let through = FrontierMatrix(rows: uCount, columns: own.count) { cu, cv in
      entry(first, from: u, cu, cv).minkowskiSum(own[cv])
    }
    // One entry's pairs, their storage reused from entry to entry.
    var pairs: [(Frontier, Frontier)] = []
    pairs.reserveCapacity(own.count)
    let matrix = FrontierMatrix(rows: uCount, columns: wCount) { cu, cw in
      pairs.removeAll(keepingCapacity: true)
      for cv in own.indices { pairs.append((through[cu, cv], entry(second, from: v, cv, cw))) }
      return thin(Frontier.unionOfSums(pairs))
    }
    statistics.observe(matrix.maximumFrontierSize)
    removeNode(v)
    statistics.nodeEliminations += 1
    addEdge(u, w, matrix)
  }

  /// Fixes `v` to configuration `c`: every edge at `v` becomes a unary term of
  /// its other end, and `v`'s own frontier moves into ``constant``.
  mutating func condition(_ v: Int, on c: Int) {
    for (u, slot) in neighbors[v] {
      guard var updated = nodes[u] else { continue }
      for cu in updated.indices {
        updated[cu] = thin(updated[cu].minkowskiSum(entry(slot, from: u, cu, c)))
      }
      nodes[u] = updated
    }
    constant = constant.minkowskiSum(frontiers(v)[c])
    removeNode(v)
  }
}

/// What an FT run did: how many of each reduction, how many conditioning
/// branches, and the largest frontier it held.
public struct EliminationStatistics: Hashable, Sendable {
  /// Node (series) eliminations.
  public var nodeEliminations = 0
  /// Edge (parallel) eliminations.
  public var edgeEliminations = 0
  /// Leaf (and isolated-node) eliminations.
  public var leafEliminations = 0
  /// Cases solved after conditioning on a node's configuration.
  public var conditioningBranches = 0
  /// The largest single frontier held.
  public var largestFrontier = 0
  /// Partial points dropped by branch and bound (see ``IncumbentBound``).
  public var boundPrunings = 0

  /// Empty statistics.
  public init() {}

  mutating func observe(_ size: Int) { largestFrontier = max(largestFrontier, size) }

  /// Adds another run's counts.
  public mutating func merge(_ other: EliminationStatistics) {
    nodeEliminations += other.nodeEliminations
    edgeEliminations += other.edgeEliminations
    leafEliminations += other.leafEliminations
    conditioningBranches += other.conditioningBranches
    boundPrunings += other.boundPrunings
    largestFrontier = max(largestFrontier, other.largestFrontier)
  }
}
