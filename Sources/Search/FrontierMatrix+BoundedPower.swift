import Foundation
import TensorOptCost

extension FrontierMatrix {
  /// ``power(_:budget:afterwards:)`` pruned by branch and bound: every composed
  /// (and thinned) matrix, and the block matrix itself, loses the points whose
  /// cost plus a lower bound of any completion an incumbent strictly dominates
  /// (see ``IncumbentBound``).
  ///
  /// A point of the power of span `k` ends up, in every strategy using it, with
  /// `count − k` more repetitions — each at least this matrix's least time and
  /// least memory (its ``floor``; every entry of a power is a sum of entries of
  /// this matrix) — and the rest of the stage graph, at least `rest`. Costs are
  /// non-negative, so those completions, and the completions of every point it
  /// used to dominate, are strictly dominated by the same incumbent.
  ///
  /// With an error `budget` `B = ln(1 + ε)`, the compositions are thinned as
  /// ``power(_:budget:afterwards:)`` thins them, and a prune also takes an
  /// incumbent within the factor `e^(B − U)`, `U` the largest error of the
  /// operand, of this matrix and of the rest (`restError`, the largest error of
  /// the frontiers behind `rest`): every piece's floor is then at most `e^U`
  /// times the exact cost of a strategy's part in it, so the incumbent is within
  /// `1 + ε` of every strategy the prune drops (docs/search.md, "ε with branch
  /// and bound").
  ///
  /// - Returns: the power and the number of points dropped.
  func power(
    _ count: Int, bound: IncumbentBound, rest: CostVector, restError: Double = 0,
    budget: Double = 0, afterwards: Int = 0
  ) -> (matrix: FrontierMatrix, prunings: Int) {
    let least = floor
    let ownError = max(logError, restError)
    var prunings = 0
    let result = power(count, budget: budget, afterwards: afterwards) { matrix, span in
      var completion = rest
      for _ in span..<count { completion += least }
      let slack = budget > 0 ? exp(max(0, budget - max(ownError, matrix.logError))) : 1
      let (kept, dropped) = matrix.pruned(by: bound, rest: completion, slack: slack)
      prunings += dropped
      return kept
    }
    return (result, prunings)
  }

  /// The matrix without the points whose cost plus `rest` an incumbent
  /// strictly dominates (with `slack`, see ``IncumbentBound/dominates(_:slack:)``),
  /// and how many were dropped.
  func pruned(by bound: IncumbentBound, rest: CostVector, slack: Double = 1) -> (
    FrontierMatrix, Int
  ) {
    var dropped = 0
    let kept = FrontierMatrix(rows: rows, columns: columns) { i, j in
      let entry = self[i, j]
      let kept = bound.pruned(entry, rest: rest, slack: slack)
      dropped += entry.count - kept.count
      return kept
    }
    return (kept, dropped)
  }
}

extension ConfigurationGraph {
  /// The sum of every node's, edge's and composite edge's least time and least
  /// memory: a lower bound on every strategy's cost (infinite when a node has
  /// no configuration).
  public var floorSum: CostVector {
    var total = CostVector.zero
    for costs in nodeCosts {
      total += costs.reduce(.unbounded) { $0.lowest($1) }
    }
    for edge in edges { total += edge.costs.reduce(.unbounded) { $0.lowest($1) } }
    for edge in compositeEdges { total += edge.matrix.floor }
    return total
  }

  /// The largest ``Frontier/logError`` of the composite edges' entries (node
  /// and plain edge costs are exact).
  var errorCeiling: Double {
    compositeEdges.reduce(0) { max($0, $1.matrix.logError) }
  }
}
