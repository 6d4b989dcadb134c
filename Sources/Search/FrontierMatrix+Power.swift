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
    var compositionsLeft = Self.compositionCount(count)
    return Self.repeatedSquaring(
      count, base: self,
      compose: { left, right, offset, _ in
        compositionsLeft -= 1
        return left.composed(with: right) { .repetition(offset: offset, $0) }
          .thinned(budget: budget, remaining: compositionsLeft + afterwards)
      }, filter: filter)
  }

  /// The composition of `count` copies of `base` by repeated squaring, the
  /// order of ``power(_:budget:afterwards:)``: `filter` is applied to `base`
  /// and to every composed operand (with its span) before use; `compose` gets
  /// the left and right operands, the right one's first repetition (the
  /// offset of its traces) and the span of the result.
  static func repeatedSquaring<Operand>(
    _ count: Int, base: Operand,
    compose: (Operand, Operand, _ offset: Int, _ span: Int) -> Operand,
    filter: (Operand, _ span: Int) -> Operand
  ) -> Operand {
    precondition(count >= 1, "a block repeats at least once")
    var result: Operand?
    var covered = 0
    var base = filter(base, 1)
    var span = 1
    var remaining = count
    while true {
      if remaining & 1 == 1 {
        if let previous = result {
          result = filter(compose(previous, base, covered, covered + span), covered + span)
        } else {
          result = base
        }
        covered += span
      }
      remaining >>= 1
      if remaining == 0 { break }
      base = filter(compose(base, base, span, 2 * span), 2 * span)
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
