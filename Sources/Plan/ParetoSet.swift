import TensorOptCost
import TensorOptSearch

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

  /// The non-dominated entries of all of `entries`, fitting and not fitting
  /// together, split into those that fit (the frontier) and those that do not
  /// (what more memory would buy: each is faster than every fitting entry), each
  /// by increasing time; of equal costs the first is kept.
  static func split(_ entries: [PlanEntry]) -> (fitting: [PlanEntry], infeasible: [PlanEntry]) {
    let kept = Self.entries(entries)
    return (kept.filter(\.fits), kept.filter { !$0.fits })
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
/// beat a candidate by more than rounding in both objectives? (The search's
/// ``IncumbentBound`` with (time, memory) pairs.)
struct Staircase: Sendable {
  private var bound: IncumbentBound

  /// The staircase of `points` (any order; dominated points are harmless).
  init(_ points: [(time: Double, memory: Double)]) {
    bound = IncumbentBound(points.map { CostVector(time: $0.time, memory: $0.memory) })
  }

  /// Whether a point is faster than `time` and smaller than `memory`, each by
  /// more than a factor `1 − 1e-9`; such a candidate cannot reach the frontier.
  func dominates(time: Double, memory: Double) -> Bool {
    bound.dominates(CostVector(time: time, memory: memory))
  }
}
