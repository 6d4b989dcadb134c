import TensorOptCost

extension Frontier {
  /// Whether the sums of `lhs` and `rhs` are ordered exactly as their points
  /// are: every memory an integer of magnitude at most 2⁵¹ (so memories add and
  /// subtract without rounding), and consecutive times of either operand more
  /// than two units in the last place of the largest sum's time apart (so
  /// adding one point of the other operand keeps them strictly increasing).
  ///
  /// Then the sums of a row strictly increase in time, no two sums of
  /// different rows compare equal by (time, memory, pair, left point), and the
  /// heap merge keeps exactly the non-dominated sums, whichever dominated ones
  /// it skips.
  static func sumsAreExactlyOrdered(_ lhs: Frontier, _ rhs: Frontier) -> Bool {
    func largestTime(_ points: [FrontierPoint]) -> Double {
      guard let first = points.first, let last = points.last else { return 0 }
      return max(abs(first.cost.time), abs(last.cost.time))
    }
    let largest = largestTime(lhs.points) + largestTime(rhs.points)
    guard largest.isFinite else { return false }
    let gap = 2 * largest.ulp
    func separated(_ points: [FrontierPoint]) -> Bool {
      var previous = -Double.infinity
      for point in points {
        let memory = point.cost.memory
        guard point.cost.time - previous > gap, abs(memory) <= 0x1p51,
          memory.rounded(.towardZero) == memory
        else { return false }
        previous = point.cost.time
      }
      return true
    }
    return separated(lhs.points) && separated(rhs.points)
  }

  /// The first index from `low` on (`row.end` if none) of a sum of `row` with
  /// memory below `bound` that no sum of `witness` dominates: one at least as
  /// lean and earlier, or leaner and no later. Sums are exactly ordered (see
  /// ``sumsAreExactlyOrdered(_:_:)``), and `low` is the first below `bound`.
  ///
  /// A dominated sum is never kept: the witness's dominating sum comes first
  /// in the merge, and is either kept or skipped for a leaner one before it.
  @inline(__always)
  static func firstUndominated(
    _ row: Row, from low: Int, below bound: Double, by witness: Row,
    moving: UnsafeBufferPointer<CostVector>
  ) -> Int {
    var low = low
    let end = Int(row.end)
    // A guess at the witness's last sum no later than the row's: its current one.
    var cursor = Int(witness.position)
    while low < end {
      let time = row.fixedTime + moving[low].time
      let memory = row.fixedMemory + moving[low].memory
      // The witness's last sum no later than `time` (its leanest such).
      let last = lastNoLater(than: time, in: witness, from: cursor, moving: moving)
      guard last >= Int(witness.start) else { break }
      cursor = last
      let witnessTime = witness.fixedTime + moving[last].time
      let witnessMemory = witness.fixedMemory + moving[last].memory
      guard witnessMemory < memory || (witnessMemory == memory && witnessTime < time) else { break }
      // Every later sum of the row at least as heavy as that witness sum is
      // dominated by it too.
      low = firstBelow(
        min(bound, witnessMemory) - row.fixedMemory, in: moving, from: low + 1, to: end)
    }
    return low
  }

  /// The index of `row`'s last sum no later than `time` (`row.start − 1` if
  /// none), searched from `guess` on: galloping forward when the guess is no
  /// later, else trying the index before it, then bisecting before that.
  @inline(__always)
  static func lastNoLater(
    than time: Double, in row: Row, from guess: Int, moving: UnsafeBufferPointer<CostVector>
  ) -> Int {
    let start = Int(row.start)
    let end = Int(row.end)
    var low: Int  // the last known index no later than `time`, or start − 1
    var high: Int  // the first known index later than `time`, or end
    if guess < end && row.fixedTime + moving[guess].time <= time {
      low = guess
      var step = 1
      high = guess + 1
      while high < end && row.fixedTime + moving[high].time <= time {
        low = high
        step *= 2
        high = low + step
      }
      high = min(high, end)
    } else {
      high = min(guess, end)
      // Usually the sum just before the guess (e.g. the witness's last kept one).
      if high > start && row.fixedTime + moving[high - 1].time <= time { return high - 1 }
      low = start - 1
    }
    // The answer lies in low ... high − 1.
    while high - low > 1 {
      let middle = low + (high - low) / 2
      if row.fixedTime + moving[middle].time <= time {
        low = middle
      } else {
        high = middle
      }
    }
    return low
  }
}
