extension FrontierMatrix {
  /// The composition of `count` copies of this square matrix — a block applied
  /// `count` times in sequence — by repeated squaring: `O(log count)`
  /// compositions instead of `count − 1`.
  ///
  /// The traces of the copy covering repetitions `k…` are wrapped in
  /// `.repetition(offset: k, …)`, so every point still names a configuration
  /// per repetition. Each composed matrix is thinned against the error budget
  /// `ln(1 + ε)` (see ``Frontier/thinned(budget:remaining:)``), counting the
  /// compositions still to come and `afterwards` more thinnings.
  public func power(_ count: Int, budget: Double = 0, afterwards: Int = 0) -> FrontierMatrix {
    power(count, budget: budget, afterwards: afterwards) { matrix, _ in matrix }
  }

  /// The power, with `filter` applied to this matrix and to every composed
  /// matrix (with its span, the number of repetitions it covers) before use.
  func power(
    _ count: Int, budget: Double, afterwards: Int,
    filter: (FrontierMatrix, _ span: Int) -> FrontierMatrix
  ) -> FrontierMatrix {
    precondition(rows == columns, "only a square matrix composes with itself")
    precondition(count >= 1, "a block repeats at least once")
    var result: FrontierMatrix?
    var covered = 0
    var base = filter(self, 1)
    var span = 1
    var remaining = count
    var compositionsLeft = Self.compositionCount(count)
    func thin(_ matrix: FrontierMatrix) -> FrontierMatrix {
      compositionsLeft -= 1
      return matrix.thinned(budget: budget, remaining: compositionsLeft + afterwards)
    }
    while true {
      if remaining & 1 == 1 {
        if let previous = result {
          let offset = covered
          result = filter(
            thin(previous.composed(with: base) { .repetition(offset: offset, $0) }),
            covered + span)
        } else {
          result = base
        }
        covered += span
      }
      remaining >>= 1
      if remaining == 0 { break }
      let offset = span
      base = filter(thin(base.composed(with: base) { .repetition(offset: offset, $0) }), 2 * span)
      span *= 2
    }
    assert(covered == count)
    return result ?? base
  }

  /// How many compositions ``power(_:budget:afterwards:)`` performs for
  /// `count` repetitions.
  public static func compositionCount(_ count: Int) -> Int {
    guard count > 1 else { return 0 }
    let bits = Int.bitWidth - count.leadingZeroBitCount
    return bits - 1 + count.nonzeroBitCount - 1
  }
}
