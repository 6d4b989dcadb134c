import Foundation
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
/// With ε (a budget `B = ln(1 + ε)`), a prune may also take an incumbent within
/// the factor ``pruningSlack`` `= e^(B − U)`, `U` the largest error of any live
/// frontier: a strategy whose partial point `x` is represented here by `p ≤ e^U·x`
/// has every other piece's floor at most `e^U` times its own part, so an
/// incumbent below `e^(B − U)·(p + LB(rest))` is within `1 + ε` of the whole
/// strategy's cost (docs/search.md, "ε with branch and bound").
extension EliminationState {
  /// The largest ``Frontier/logError`` of the constant and of every live node
  /// frontier and edge entry.
  var errorCeiling: Double {
    var ceiling = constant.logError
    for case let own? in nodes { for frontier in own { ceiling = max(ceiling, frontier.logError) } }
    for case let edge? in edges { ceiling = max(ceiling, edge.matrix.logError) }
    return ceiling
  }

  /// The factor a prune may scale a point's completion bound by before asking
  /// whether an incumbent strictly dominates it: `e^(B − U)` (see above), 1
  /// when exact.
  var pruningSlack: Double {
    budget > 0 ? exp(max(0, budget - errorCeiling)) : 1
  }

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
    let slack = pruningSlack
    var matrix = edge.matrix
    var dropped = 0
    for i in 0..<matrix.rows {
      for j in 0..<matrix.columns {
        let entry = matrix[i, j]
        let kept = bound.pruned(entry, rest: rest + aFloors[i] + bFloors[j], slack: slack)
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
    let slack = pruningSlack
    var dropped = 0
    for c in own.indices {
      let kept = bound.pruned(own[c], rest: rest, slack: slack)
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
    let kept = bound.pruned(constant, rest: rest, slack: pruningSlack)
    statistics.boundPrunings += constant.count - kept.count
    constant = kept
  }
}

extension FrontierMatrix {
  /// The least time and the least memory over all entries.
  var floor: CostVector {
    entries.reduce(.unbounded) { $0.lowest($1.floor) }
  }

  /// The largest ``Frontier/logError`` of the entries (0 when exact).
  var logError: Double {
    entries.reduce(0) { max($0, $1.logError) }
  }
}
