import TensorOptCost

extension Frontier {
  /// The Minkowski sum `self ⊕ other`: the non-dominated pairwise sums, each
  /// point's trace joining the two it came from.
  public func minkowskiSum(_ other: Frontier) -> Frontier {
    if count == 1, other.count == 1 {
      return .single(points[0].cost + other.points[0].cost, trace: .combining(points[0].trace, other.points[0].trace))
    }
    return Frontier.unionOfSums([(self, other)])
  }

  /// The non-dominated points of `⋃ (lhs ⊕ rhs)` over the given pairs.
  ///
  /// Traces are only built for the points that survive, so the cost is one
  /// addition per candidate plus a sort.
  public static func unionOfSums(_ pairs: [(Frontier, Frontier)]) -> Frontier {
    var costs: [CostVector] = []
    var origin: [(pair: Int32, lhs: Int32, rhs: Int32)] = []
    var total = 0
    for (lhs, rhs) in pairs { total += lhs.count * rhs.count }
    costs.reserveCapacity(total)
    origin.reserveCapacity(total)
    for (index, (lhs, rhs)) in pairs.enumerated() {
      for (i, a) in lhs.points.enumerated() {
        for (j, b) in rhs.points.enumerated() {
          costs.append(a.cost + b.cost)
          origin.append((Int32(index), Int32(i), Int32(j)))
        }
      }
    }
    let kept = nonDominatedIndices(costs.count) { costs[$0] }
    return Frontier(
      uncheckedPoints: kept.map { k in
        let (pair, i, j) = origin[k]
        let (lhs, rhs) = pairs[Int(pair)]
        return FrontierPoint(
          cost: costs[k], trace: .combining(lhs.points[Int(i)].trace, rhs.points[Int(j)].trace))
      })
  }

  /// The non-dominated points of `⋃ (a ⊕ b ⊕ c)` over the given triples.
  public static func unionOfSums(_ triples: [(Frontier, Frontier, Frontier)]) -> Frontier {
    // Sum the first two of each triple exactly (they are usually small), then
    // reuse the pairwise routine.
    unionOfSums(triples.map { ($0.0.minkowskiSum($0.1), $0.2) })
  }
}

extension Frontier {
  /// A thinned copy: every point of `self` is within a factor `1 + epsilon` in
  /// both objectives of some kept point. `epsilon == 0` returns `self`.
  ///
  /// Greedy from the fastest point: the first uncovered point `u` is represented
  /// by the leanest point whose time is within `(1 + ε)·u.time`; that point
  /// covers every point between them and the following points whose memory is
  /// within the factor.
  public func thinned(epsilon: Double) -> Frontier {
    guard epsilon > 0, count > 2 else { return self }
    let factor = 1 + epsilon
    var kept: [FrontierPoint] = []
    var index = 0
    while index < points.count {
      let limit = points[index].cost.time * factor
      var representative = index
      while representative + 1 < points.count, points[representative + 1].cost.time <= limit {
        representative += 1
      }
      let chosen = points[representative]
      kept.append(chosen)
      index = representative + 1
      while index < points.count, chosen.cost.memory <= points[index].cost.memory * factor {
        index += 1
      }
    }
    return Frontier(uncheckedPoints: kept)
  }
}
