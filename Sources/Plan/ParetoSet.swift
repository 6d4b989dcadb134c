/// Non-dominated subsets of (time, memory) costs.
enum ParetoSet {
  /// The members of `candidates` no other member dominates, by increasing time
  /// (then memory, then position in `candidates`); of equal costs the first is kept.
  static func indices(_ candidates: [Int], cost: (Int) -> (Double, Double)) -> [Int] {
    let order = candidates.enumerated().sorted { a, b in
      let (ca, cb) = (cost(a.element), cost(b.element))
      if ca.0 != cb.0 { return ca.0 < cb.0 }
      if ca.1 != cb.1 { return ca.1 < cb.1 }
      return a.offset < b.offset
    }
    var result: [Int] = []
    var bestMemory = Double.infinity
    for (_, index) in order where cost(index).1 < bestMemory {
      result.append(index)
      bestMemory = cost(index).1
    }
    return result
  }

  /// The non-dominated entries by increasing time; of equal costs the first is kept.
  static func entries(_ entries: [PlanEntry]) -> [PlanEntry] {
    indices(Array(entries.indices)) { (entries[$0].timeS, entries[$0].memoryBytes) }.map {
      entries[$0]
    }
  }

  /// At most `limit` of `candidates`, spread evenly over their order by time.
  static func sample(_ candidates: [Int], limit: Int, cost: (Int) -> (Double, Double)) -> [Int] {
    let sorted = candidates.enumerated().sorted { a, b in
      let (ca, cb) = (cost(a.element), cost(b.element))
      return (ca.0, ca.1, a.offset) < (cb.0, cb.1, b.offset)
    }.map(\.element)
    guard sorted.count > limit else { return sorted }
    guard limit > 0 else { return [] }
    return (0..<limit).map { sorted[$0 * sorted.count / limit] }
  }
}

/// A (time, memory) frontier to test candidates against: does one of its points
/// beat a candidate by more than rounding in both objectives?
struct Staircase: Sendable {
  /// Times, increasing, and the least memory among points up to each.
  private var times: [Double] = []
  private var memories: [Double] = []

  /// The staircase of `points` (any order; dominated points are harmless).
  init(_ points: [(time: Double, memory: Double)]) {
    var best = Double.infinity
    for point in points.sorted(by: { ($0.time, $0.memory) < ($1.time, $1.memory) })
    where point.time.isFinite && point.memory < best {
      best = point.memory
      times.append(point.time)
      memories.append(point.memory)
    }
  }

  /// Whether a point is faster than `time` and smaller than `memory`, each by
  /// more than a factor `1 − 1e-9`; such a candidate cannot reach the frontier.
  func dominates(time: Double, memory: Double) -> Bool {
    let margin = 1 - 1e-9
    // The last point with time below the bound has the least memory of those.
    var low = 0
    var high = times.count
    while low < high {
      let middle = (low + high) / 2
      if times[middle] < time * margin { low = middle + 1 } else { high = middle }
    }
    return low > 0 && memories[low - 1] < memory * margin
  }
}
