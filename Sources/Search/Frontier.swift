import TensorOptCost

/// A point of a frontier: a cost and the back-pointer to the strategy behind it.
public struct FrontierPoint: Sendable {
  /// The total (time, memory) of the partial strategy.
  public var cost: CostVector
  /// The choices that produce it.
  public var trace: StrategyTrace

  /// Creates a point.
  public init(cost: CostVector, trace: StrategyTrace) {
    self.cost = cost
    self.trace = trace
  }
}

/// A Pareto frontier of (time, memory): points sorted by increasing time and
/// strictly decreasing memory, none dominating another.
///
/// An empty frontier means "infeasible"; the frontier of the empty strategy is
/// ``unit`` (one zero point).
public struct Frontier: Sendable {
  /// The points, by increasing time (and so decreasing memory).
  public private(set) var points: [FrontierPoint]

  /// An upper bound on `ln(1 + e)`, where `e` is the relative error of this
  /// frontier against the exact one: every exact point `x` has a point `y` here
  /// with `y ≤ (1 + e)·x` in both objectives. 0 (exact) unless thinning (see
  /// ``thinned(epsilon:)``) dropped points on the way; operations on frontiers
  /// carry the largest bound of their operands.
  public internal(set) var logError: Double = 0

  /// The frontier of arbitrary points: their non-dominated subset. Of points
  /// with equal costs the first is kept.
  public init(_ candidates: some Sequence<FrontierPoint>) {
    let all = Array(candidates)
    self.points = Self.nonDominatedIndices(all.count) { all[$0].cost }.map { all[$0] }
    assertInvariant()
  }

  /// Wraps points the caller guarantees sorted and non-dominated.
  init(uncheckedPoints points: [FrontierPoint]) {
    self.points = points
    assertInvariant()
  }

  /// No point: nothing is feasible.
  public static let empty = Frontier(uncheckedPoints: [])

  /// The zero-cost empty strategy: the identity of ``minkowskiSum(_:)``.
  public static let unit = Frontier(uncheckedPoints: [FrontierPoint(cost: .zero, trace: .empty)])

  /// A single point.
  public static func single(_ cost: CostVector, trace: StrategyTrace = .empty) -> Frontier {
    Frontier(uncheckedPoints: [FrontierPoint(cost: cost, trace: trace)])
  }

  /// Whether there is no point.
  public var isEmpty: Bool { points.isEmpty }

  /// The number of points.
  public var count: Int { points.count }

  /// The costs alone.
  public var costs: [CostVector] { points.map(\.cost) }

  /// Whether `points` are sorted by time with strictly decreasing memory.
  public var isValid: Bool {
    zip(points, points.dropFirst()).allSatisfy {
      $0.cost.time < $1.cost.time && $0.cost.memory > $1.cost.memory
    }
  }

  /// The non-dominated points of both frontiers.
  public func union(_ other: Frontier) -> Frontier {
    var result: Frontier
    if other.isEmpty {
      result = self
    } else if isEmpty {
      result = other
    } else {
      result = Frontier(points + other.points)
    }
    result.logError = max(logError, other.logError)
    return result
  }

  /// The non-dominated points of all frontiers.
  public static func union(_ frontiers: some Sequence<Frontier>) -> Frontier {
    var result = Frontier(frontiers.lazy.flatMap(\.points))
    result.logError = frontiers.reduce(0) { max($0, $1.logError) }
    return result
  }

  /// The same points with their traces transformed.
  public func mapTraces(_ transform: (StrategyTrace) -> StrategyTrace) -> Frontier {
    var result = Frontier(
      uncheckedPoints: points.map { FrontierPoint(cost: $0.cost, trace: transform($0.trace)) })
    result.logError = logError
    return result
  }

  /// Whether some point of this frontier is at least as good as `cost` in both
  /// objectives after scaling this frontier's values by `factor`.
  public func covers(_ cost: CostVector, factor: Double = 1) -> Bool {
    points.contains { $0.cost.time <= cost.time * factor && $0.cost.memory <= cost.memory * factor }
  }

  func assertInvariant() {
    assert(isValid, "a frontier must be sorted by time and non-dominated")
  }

  /// The indices of the non-dominated costs among `count` costs, by increasing
  /// time. Ties in both objectives keep the lowest index.
  static func nonDominatedIndices(_ count: Int, cost: (Int) -> CostVector) -> [Int] {
    if count <= 1 { return Array(0..<count) }
    let order = (0..<count).sorted { a, b in
      let ca = cost(a)
      let cb = cost(b)
      if ca.time != cb.time { return ca.time < cb.time }
      if ca.memory != cb.memory { return ca.memory < cb.memory }
      return a < b
    }
    var result: [Int] = []
    var bestMemory = Double.infinity
    for index in order {
      let memory = cost(index).memory
      if memory < bestMemory {
        result.append(index)
        bestMemory = memory
      }
    }
    return result
  }
}
