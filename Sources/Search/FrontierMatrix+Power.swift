extension FrontierMatrix {
  /// The composition of `count` copies of this square matrix — a block applied
  /// `count` times in sequence — by repeated squaring: `O(log count)`
  /// compositions instead of `count − 1`.
  ///
  /// The traces of the copy covering repetitions `k…` are wrapped in
  /// `.repetition(offset: k, …)`, so every point still names a configuration
  /// per repetition. Each composed matrix is thinned by `epsilon`.
  public func power(_ count: Int, epsilon: Double = 0) -> FrontierMatrix {
    precondition(rows == columns, "only a square matrix composes with itself")
    precondition(count >= 1, "a block repeats at least once")
    var result: FrontierMatrix?
    var covered = 0
    var base = self
    var span = 1
    var remaining = count
    while true {
      if remaining & 1 == 1 {
        if let previous = result {
          let offset = covered
          result = previous.composed(with: base) { .repetition(offset: offset, $0) }.thinned(
            epsilon: epsilon)
        } else {
          result = base
        }
        covered += span
      }
      remaining >>= 1
      if remaining == 0 { break }
      let offset = span
      base = base.composed(with: base) { .repetition(offset: offset, $0) }.thinned(epsilon: epsilon)
      span *= 2
    }
    assert(covered == count)
    return result ?? self
  }

  /// How many compositions ``power(_:epsilon:)`` performs for `count`
  /// repetitions (the chain length it adds for ε budgeting).
  public static func compositionCount(_ count: Int) -> Int {
    guard count > 1 else { return 0 }
    let bits = Int.bitWidth - count.leadingZeroBitCount
    return bits - 1 + count.nonzeroBitCount - 1
  }
}
