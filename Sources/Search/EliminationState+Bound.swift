import TensorOptCost

/// Branch and bound inside the elimination: after a reduction produces new
/// frontiers, their points that cannot lead to a strategy an incumbent does not
/// strictly dominate are dropped (see ``IncumbentBound``).
///
/// Every strategy's cost is the constant's point plus one point of each
/// remaining node's frontier (for the configuration it takes) and of each
/// remaining edge's entry (for its ends' configurations), so a point's
/// completions cost at least the point plus the floors of all other pieces.
///
/// Under ε the floors are those of thinned frontiers: each is at most its
/// frontier's error `e^u ≤ 1 + ε` above the exact part of a strategy it holds,
/// which is what keeps the guarantee relative to the incumbents (see
/// ``IncumbentBound``).
extension EliminationState {
  /// The least time and memory over a node's configurations.
  func nodeFloor(_ node: Int) -> CostVector {
    frontiers(node).reduce(.unbounded) { $0.lowest($1.floor) }
  }

  /// The floors of the constant and of every remaining node and edge, except
  /// the nodes `excluded` and the edge `excludedEdge`.
  func floorSum(excluding excluded: [Int], excludedEdge: Int? = nil) -> CostVector {
    var total = constant.floor
    for node in nodes.indices where nodes[node] != nil && !excluded.contains(node) {
      total += nodeFloor(node)
    }
    for slot in edges.indices where slot != excludedEdge {
      if let edge = edges[slot] { total += edge.floor }
    }
    return total
  }

  /// Prunes the entries of edge `slot`: entry `(ca, cb)` completes with its
  /// ends' frontiers for `ca` and `cb` and every other piece.
  mutating func pruneEdge(_ slot: Int) {
    guard let bound, !bound.isEmpty, let edge = edges[slot] else { return }
    let rest = floorSum(excluding: [edge.a, edge.b], excludedEdge: slot)
    let aFloors = frontiers(edge.a).map(\.floor)
    let bFloors = frontiers(edge.b).map(\.floor)
    var matrix = edge.matrix
    var dropped = 0
    for i in 0..<matrix.rows {
      for j in 0..<matrix.columns {
        let entry = matrix[i, j]
        let kept = bound.pruned(entry, rest: rest + aFloors[i] + bFloors[j])
        guard kept.count < entry.count else { continue }
        dropped += entry.count - kept.count
        matrix[i, j] = kept
      }
    }
    guard dropped > 0 else { return }
    statistics.boundPrunings += dropped
    edges[slot]?.matrix = matrix
    edges[slot]?.floor = matrix.floor
  }

  /// Prunes the frontiers of node `u` against every other piece.
  mutating func pruneNode(_ u: Int) {
    guard let bound, !bound.isEmpty, var own = nodes[u] else { return }
    let rest = floorSum(excluding: [u])
    var dropped = 0
    for c in own.indices {
      let kept = bound.pruned(own[c], rest: rest)
      dropped += own[c].count - kept.count
      own[c] = kept
    }
    guard dropped > 0 else { return }
    statistics.boundPrunings += dropped
    nodes[u] = own
  }

  /// Prunes the constant against every remaining node and edge.
  mutating func pruneConstant() {
    guard let bound, !bound.isEmpty else { return }
    var rest = CostVector.zero
    for node in nodes.indices where nodes[node] != nil { rest += nodeFloor(node) }
    for edge in edges { if let edge { rest += edge.floor } }
    let kept = bound.pruned(constant, rest: rest)
    statistics.boundPrunings += constant.count - kept.count
    constant = kept
  }
}

extension FrontierMatrix {
  /// The least time and the least memory over all entries.
  var floor: CostVector {
    entries.reduce(.unbounded) { $0.lowest($1.floor) }
  }
}
