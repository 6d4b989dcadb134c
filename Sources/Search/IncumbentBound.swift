import TensorOptCost

/// Branch and bound for FT: incumbent points that every reported strategy must
/// beat.
///
/// FT drops a partial point `p` when `p + LB(rest)` is strictly dominated by an
/// incumbent, where `LB(rest)` sums the least time and the least memory of every
/// other frontier still in the reduction. Costs are non-negative, so every
/// completion of `p` is then strictly dominated by that incumbent, and so is
/// every completion of the points `p` used to dominate (they cost at least as
/// much as `p`'s), which may now surface in the result. The caller must merge
/// the incumbents with the search's points into one non-dominated set — every
/// point, whatever its class (e.g. fitting in memory or not), with the
/// incumbents included — and it then gets the same set as without the bound.
/// (Splitting that set by class afterwards is fine; taking the non-dominated set
/// of one class on its own is not: a point that only a pruned point dominated
/// would join it.)
///
/// With ε-thinning the same prune keeps the ε guarantee relative to that set:
/// a dropped point stands, within its frontier's error `e^u ≤ 1 + ε`, for the
/// points thinned into it, and every floor is at most its frontier's error
/// above the exact part of a strategy in it, so the incumbent is within `1 + ε`
/// of every strategy dropped (docs/search.md, "ε with branch and bound").
public struct IncumbentBound: Sendable {
  /// Times, increasing, and the least memory among the points up to each.
  private var times: [Double] = []
  private var memories: [Double] = []

  /// The relative margin a point must win by in both objectives, covering the
  /// rounding of sums taken in another order.
  static let margin = 1 - 1e-9

  /// The bound of `points` (any order; dominated points are harmless).
  public init(_ points: [CostVector]) {
    var best = Double.infinity
    for point in points.sorted(by: { ($0.time, $0.memory) < ($1.time, $1.memory) })
    where point.time.isFinite && point.memory < best {
      best = point.memory
      times.append(point.time)
      memories.append(point.memory)
    }
  }

  /// Whether there is no incumbent.
  public var isEmpty: Bool { times.isEmpty }

  /// Whether an incumbent is faster than `cost` and smaller, each by more than
  /// the factor ``margin``.
  public func dominates(_ cost: CostVector) -> Bool {
    var low = 0
    var high = times.count
    while low < high {
      let middle = (low + high) / 2
      if times[middle] < cost.time * Self.margin { low = middle + 1 } else { high = middle }
    }
    return low > 0 && memories[low - 1] < cost.memory * Self.margin
  }

  /// `frontier` without the points whose cost plus `rest` an incumbent dominates.
  func pruned(_ frontier: Frontier, rest: CostVector) -> Frontier {
    guard !frontier.isEmpty, !isEmpty else { return frontier }
    // Most frontiers lose nothing: they are returned without a copy.
    let points = frontier.points
    guard let first = points.firstIndex(where: { dominates($0.cost + rest) }) else {
      return frontier
    }
    var kept = Array(points[..<first])
    for point in points[(first + 1)...] where !dominates(point.cost + rest) { kept.append(point) }
    var result = Frontier(uncheckedPoints: kept)
    result.logError = frontier.logError
    return result
  }
}

extension Frontier {
  /// The least time and the least memory of the points (not necessarily one
  /// point); infinite when empty.
  var floor: CostVector {
    guard let first = points.first, let last = points.last else {
      return CostVector(time: .infinity, memory: .infinity)
    }
    return CostVector(time: first.cost.time, memory: last.cost.memory)
  }
}

extension CostVector {
  /// The component-wise minimum.
  public func lowest(_ other: CostVector) -> CostVector {
    CostVector(time: min(time, other.time), memory: min(memory, other.memory))
  }

  /// Infinite in both components: the identity of ``lowest(_:)``.
  public static let unbounded = CostVector(time: .infinity, memory: .infinity)
}
