import TensorOptCost

extension FrontierMatrix {
  /// ``power(_:budget:afterwards:)`` pruned by branch and bound: every composed
  /// (and, with a `budget`, thinned) matrix and the block matrix itself lose the
  /// points whose cost plus a lower bound of any completion an incumbent
  /// strictly dominates (see ``IncumbentBound``).
  ///
  /// A point of the power of span `k` ends up, in every strategy using it, with
  /// `count − k` more repetitions — each at least this matrix's least time and
  /// least memory (its ``floor``; every entry of a power is a sum of entries of
  /// this matrix) — and the rest of the stage graph, at least `rest`. Costs are
  /// non-negative, so those completions, and the completions of every point it
  /// used to dominate, are strictly dominated by the same incumbent. With an
  /// error `budget` `ln(1 + ε)` this matrix, the operands and the stage graph's
  /// composite edges behind `rest` may be thinned: their floors are then at
  /// most `1 + ε` above the exact parts, and an incumbent that beats a dropped
  /// point's bound is within `1 + ε` of every strategy through it (docs/search.md,
  /// "ε with branch and bound").
  ///
  /// - Returns: the power and the number of points dropped.
  func power(
    _ count: Int, bound: IncumbentBound, rest: CostVector, budget: Double = 0, afterwards: Int = 0
  ) -> (matrix: FrontierMatrix, prunings: Int) {
    let least = floor
    var prunings = 0
    let result = power(count, budget: budget, afterwards: afterwards) { matrix, span in
      var completion = rest
      for _ in span..<count { completion += least }
      let (kept, dropped) = matrix.pruned(by: bound, rest: completion)
      prunings += dropped
      return kept
    }
    return (result, prunings)
  }

  /// The matrix without the points whose cost plus `rest` an incumbent
  /// strictly dominates, and how many were dropped.
  func pruned(by bound: IncumbentBound, rest: CostVector) -> (FrontierMatrix, Int) {
    var dropped = 0
    let kept = FrontierMatrix(rows: rows, columns: columns) { i, j in
      let entry = self[i, j]
      let kept = bound.pruned(entry, rest: rest)
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
}
