import TensorOptCost

/// Lower-bound frontiers of (time, memory): sets of points such that every
/// cost they bound is weakly dominated by one of them. Sums of costs are
/// bounded by the Pareto set of the sums of their bounds; a frontier may be
/// coarsened to fewer points, each the corner (least time, least memory) of a
/// run of neighbours, and stays a lower bound.
enum FloorFrontier {
  /// The most points a coarsened frontier keeps.
  static let pointLimit = 64

  /// The non-dominated points of `points`, by increasing time and decreasing
  /// memory (of equal points one).
  static func pareto(_ points: [CostVector]) -> [CostVector] {
    var result: [CostVector] = []
    var best = Double.infinity
    for point in points.sorted(by: { ($0.time, $0.memory) < ($1.time, $1.memory) })
    where point.memory < best {
      result.append(point)
      best = point.memory
    }
    return result
  }

  /// A lower bound of `frontier` (sorted as ``pareto(_:)`` returns) with at
  /// most `limit` points: each run of consecutive points is replaced by its
  /// first point's time and its last point's memory, which is no more than any
  /// point of the run in either objective.
  static func coarsened(_ frontier: [CostVector], limit: Int = pointLimit) -> [CostVector] {
    guard frontier.count > limit, limit > 0 else { return frontier }
    let run = (frontier.count + limit - 1) / limit
    return stride(from: 0, to: frontier.count, by: run).map { start in
      let end = min(start + run, frontier.count) - 1
      return CostVector(time: frontier[start].time, memory: frontier[end].memory)
    }
  }

  /// A lower bound of every sum `a + b` with `a` bounded by `left` and `b` by
  /// `right`: the Pareto set of the pairwise sums, coarsened.
  static func sum(_ left: [CostVector], _ right: [CostVector]) -> [CostVector] {
    var sums: [CostVector] = []
    sums.reserveCapacity(left.count * right.count)
    for a in left {
      for b in right { sums.append(a + b) }
    }
    return coarsened(pareto(sums))
  }

  /// The corners `(max_s time_s, max_s memory_s)` that one point of each of
  /// `stages` (frontiers sorted as ``pareto(_:)`` returns) can reach at best:
  /// for each memory bound (a point's memory), each stage's fastest point
  /// within it. A choice of one point per stage is weakly dominated by the
  /// corner at its largest memory. Empty when a stage has no point.
  static func corners(_ stages: [[CostVector]]) -> [CostVector] {
    guard !stages.isEmpty, stages.allSatisfy({ !$0.isEmpty }) else { return [] }
    // Within a bound, a stage's points form a suffix (memory falls as time
    // rises); its first point is the fastest. Bounds rise, suffixes grow.
    var start = stages.map(\.count)
    var corners: [CostVector] = []
    for bound in Set(stages.joined().map(\.memory)).sorted() {
      for (stage, points) in stages.enumerated() {
        while start[stage] > 0, points[start[stage] - 1].memory <= bound { start[stage] -= 1 }
      }
      guard stages.indices.allSatisfy({ start[$0] < stages[$0].count }) else { continue }
      let time = stages.indices.map { stages[$0][start[$0]].time }.max() ?? 0
      corners.append(CostVector(time: time, memory: bound))
    }
    return corners
  }
}
