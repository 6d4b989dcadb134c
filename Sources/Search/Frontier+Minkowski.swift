import Foundation
import TensorOptCost

extension Frontier {
  /// The Minkowski sum `self ⊕ other`: the non-dominated pairwise sums, each
  /// point's trace joining the two it came from.
  public func minkowskiSum(_ other: Frontier) -> Frontier {
    if count == 1, other.count == 1 {
      var result = Frontier.single(
        points[0].cost + other.points[0].cost,
        trace: .combining(points[0].trace, other.points[0].trace))
      result.logError = max(logError, other.logError)
      return result
    }
    return Frontier.unionOfSums([(self, other)])
  }

  /// The non-dominated points of `⋃ (lhs ⊕ rhs)` over the given pairs.
  ///
  /// Output-sensitive: every point of the smaller operand of a pair starts a
  /// "row", its sums with the other operand, sorted by time with falling
  /// memory. The rows are merged in time order through a heap while the best
  /// memory so far only falls; a row jumps straight (binary search) to its
  /// first sum below that memory, and is dropped once even its leanest sum
  /// cannot beat it. So the work is about `(rows + output) · log rows`, not
  /// `|lhs| · |rhs|` per pair. Traces are built only for the points kept.
  ///
  /// The merge reads the moving operands' costs from one flat copy and keeps
  /// the fixed costs in the rows, so its loop touches no reference-counted
  /// storage. Of equal sums the one of the earlier pair, then earlier left
  /// point, is kept (the heap orders by time, memory, pair and left index,
  /// whichever operand a row fixes), so the result does not depend on which
  /// operand starts the rows.
  ///
  /// When every pair's sums are exactly ordered (integer memories, times far
  /// enough apart; see ``sumsAreExactlyOrdered(_:_:)``), a row that moves on
  /// also skips the sums the row of the last kept point dominates: most rows
  /// hover just above the frontier, and this removes about 40 % of the heap's
  /// operations without changing the result.
  ///
  /// `rightTrace` transforms the right operand's trace of each kept point (e.g.
  /// to shift its repetition index), so only kept points pay for it.
  public static func unionOfSums(
    _ pairs: [(Frontier, Frontier)],
    rightTrace: (StrategyTrace) -> StrategyTrace = { $0 }
  ) -> Frontier {
    unionOfSums(pairs, skippingDominated: true, rightTrace: rightTrace)
  }

  /// ``unionOfSums(_:rightTrace:)``, with `skippingDominated == false` never
  /// skipping sums another row dominates (the merge before that was added,
  /// which tests compare against).
  static func unionOfSums(
    _ pairs: [(Frontier, Frontier)], skippingDominated: Bool,
    rightTrace: (StrategyTrace) -> StrategyTrace
  ) -> Frontier {
    // The pairs are read through a buffer: no copy (and no reference counting)
    // of the operands per access.
    pairs.withUnsafeBufferPointer { pairs in
      var movingCount = 0
      var rowCount = 0
      var logError = 0.0
      // The capacity reserved for the kept points: the size of the largest
      // pair's sum when it has as many points as its operands together (a
      // common case), at most the number of sums.
      var largestSum = 0
      var sums = 0
      for p in pairs.indices {
        logError = max(logError, pairs[p].0.logError, pairs[p].1.logError)
        let (leftCount, rightCount) = (pairs[p].0.count, pairs[p].1.count)
        guard leftCount > 0, rightCount > 0 else { continue }
        movingCount += max(leftCount, rightCount)
        rowCount += min(leftCount, rightCount)
        largestSum = max(largestSum, leftCount + rightCount - 1)
        sums += leftCount * rightCount
      }
      var result = Frontier.empty
      if rowCount > 0 {
        // Scratch space on the stack where it fits (no allocation per call).
        withUnsafeTemporaryAllocation(of: CostVector.self, capacity: movingCount) { moving in
          withUnsafeTemporaryAllocation(of: Row.self, capacity: rowCount) { rows in
            withUnsafeTemporaryAllocation(of: RowHeap.Entry.self, capacity: rowCount) { entries in
              withUnsafeTemporaryAllocation(of: Bool.self, capacity: pairs.count) { swapped in
                let exact = Self.fillRows(
                  rows, entries: entries, moving: moving, swapped: swapped, from: pairs)
                result = Frontier(
                  uncheckedPoints: Self.mergeRows(
                    RowHeap(entries: entries, rows: rows), moving: UnsafeBufferPointer(moving),
                    swapped: UnsafeBufferPointer(swapped), pairs: pairs,
                    capacity: min(largestSum, sums), witnesses: skippingDominated && exact,
                    rightTrace: rightTrace))
              }
            }
          }
        }
      }
      result.logError = logError
      return result
    }
  }

  /// Writes the rows of `pairs` (one per point of each pair's smaller operand)
  /// into `rows` and their first sums' times into `entries` (row `r` at `r`),
  /// the other operands' costs one after the other into `moving`, and per pair
  /// whether its rows fix a right point into `swapped`. The buffers hold
  /// exactly what the pairs need.
  ///
  /// - Returns: whether every pair's sums are exactly ordered (see
  ///   ``sumsAreExactlyOrdered(_:_:)``), so that rows may skip sums other rows
  ///   dominate (see ``mergeRows(_:moving:swapped:pairs:capacity:witnesses:rightTrace:)``).
  private static func fillRows(
    _ rows: UnsafeMutableBufferPointer<Row>, entries: UnsafeMutableBufferPointer<RowHeap.Entry>,
    moving: UnsafeMutableBufferPointer<CostVector>,
    swapped: UnsafeMutableBufferPointer<Bool>, from pairs: UnsafeBufferPointer<(Frontier, Frontier)>
  ) -> Bool {
    var rowCount = 0
    var movingCount = 0
    var exact = true
    for p in pairs.indices {
      let swaps = pairs[p].1.count < pairs[p].0.count
      swapped.initializeElement(at: p, to: swaps)
      guard !pairs[p].0.isEmpty && !pairs[p].1.isEmpty else { continue }
      if exact { exact = sumsAreExactlyOrdered(pairs[p].0, pairs[p].1) }
      let start = Int32(movingCount)
      let points = swaps ? pairs[p].0.points : pairs[p].1.points
      for point in points {
        moving.initializeElement(at: movingCount, to: point.cost)
        movingCount += 1
      }
      let end = Int32(movingCount)
      let b = points[0].cost
      let fixed = swaps ? pairs[p].1.points : pairs[p].0.points
      for i in fixed.indices {
        let a = fixed[i].cost
        rows.initializeElement(
          at: rowCount,
          to: Row(
            memory: a.memory + b.memory, fixedTime: a.time, fixedMemory: a.memory,
            pair: Int32(p), left: swaps ? 0 : Int32(i), right: swaps ? Int32(i) : 0,
            position: start, end: end, start: start))
        entries.initializeElement(
          at: rowCount, to: RowHeap.Entry(time: a.time + b.time, row: Int32(rowCount)))
        rowCount += 1
      }
    }
    assert(rowCount == rows.count && movingCount == moving.count)
    return exact
  }

  /// The heap merge of the rows: the kept sums, by increasing time, in an
  /// array reserving `capacity` points (it grows beyond if need be).
  ///
  /// With `witnesses` (the sums exactly ordered), a row that moves on also
  /// skips the sums that the row of the last kept point dominates (see
  /// ``firstUndominated(_:from:below:by:moving:)``): those are never kept, and
  /// the order in which the others are met is the same, so the result is too.
  private static func mergeRows(
    _ heap: consuming RowHeap, moving: UnsafeBufferPointer<CostVector>,
    swapped: UnsafeBufferPointer<Bool>, pairs: UnsafeBufferPointer<(Frontier, Frontier)>,
    capacity: Int, witnesses: Bool, rightTrace: (StrategyTrace) -> StrategyTrace
  ) -> [FrontierPoint] {
    var kept: [FrontierPoint] = []
    kept.reserveCapacity(capacity)
    var heap = heap
    heap.heapify()
    let rows = heap.rows
    var bestMemory = Double.infinity
    // The row of the last kept point.
    var leader = -1
    while heap.count > 0 {
      let top = heap.top
      var row = rows[Int(top.row)]
      if row.memory < bestMemory {
        bestMemory = row.memory
        leader = Int(top.row)
        let p = Int(row.pair)
        kept.append(
          FrontierPoint(
            cost: CostVector(time: top.time, memory: row.memory),
            trace: .combining(
              pairs[p].0.points[Int(row.left)].trace,
              rightTrace(pairs[p].1.points[Int(row.right)].trace))))
      }
      // The row's next useful sum: the first with memory below `bestMemory`.
      var low = Self.firstBelow(
        bestMemory - row.fixedMemory, in: moving, from: Int(row.position) + 1,
        to: Int(row.end))
      if witnesses && leader >= 0 && leader != Int(top.row) {
        low = Self.firstUndominated(
          row, from: low, below: bestMemory, by: rows[leader], moving: moving)
      }
      if low < Int(row.end) && row.fixedMemory + moving[low].memory < bestMemory {
        row.memory = row.fixedMemory + moving[low].memory
        row.position = Int32(low)
        if swapped[Int(row.pair)] {
          row.left = Int32(low) - row.start
        } else {
          row.right = Int32(low) - row.start
        }
        rows[Int(top.row)] = row
        heap.replaceTop(RowHeap.Entry(time: row.fixedTime + moving[low].time, row: top.row))
      } else {
        heap.removeTop()
      }
    }
    return kept
  }

  /// The first index in `low..<high` whose memory is below `bound` (`high` if
  /// none), memory falling along the range. The next index is tried first (it
  /// is the answer whenever the row's last sum was kept); the rest is a
  /// bisection whose steps select rather than branch.
  @inline(__always)
  static func firstBelow(
    _ bound: Double, in costs: UnsafeBufferPointer<CostVector>, from low: Int, to high: Int
  ) -> Int {
    guard low < high, !(costs[low].memory < bound) else { return low }
    // The answer lies in base + 1 ... base + length.
    var base = low
    var length = high - low - 1
    while length > 1 {
      let half = length / 2
      base = costs[base + half].memory < bound ? base : base + half
      length -= half
    }
    if length == 1 && !(costs[base + 1].memory < bound) { base += 1 }
    return base + 1
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
  /// within the factor. ``logError`` grows by the logarithm of the largest
  /// factor actually used (0 when nothing is dropped).
  public func thinned(epsilon: Double) -> Frontier {
    guard epsilon > 0, count > 2 else { return self }
    let factor = 1 + epsilon
    var kept: [FrontierPoint] = []
    var worst = 1.0
    var index = 0
    while index < points.count {
      let limit = points[index].cost.time * factor
      var representative = index
      while representative + 1 < points.count, points[representative + 1].cost.time <= limit {
        representative += 1
      }
      let chosen = points[representative]
      kept.append(chosen)
      for dropped in index..<representative {
        worst = max(worst, Self.ratio(chosen.cost.time, points[dropped].cost.time))
      }
      index = representative + 1
      while index < points.count, chosen.cost.memory <= points[index].cost.memory * factor {
        worst = max(worst, Self.ratio(chosen.cost.memory, points[index].cost.memory))
        index += 1
      }
    }
    guard kept.count < count else { return self }
    var result = Frontier(uncheckedPoints: kept)
    result.logError = logError + log(worst)
    return result
  }

  /// A thinned copy that spends part of what is left of an error budget:
  /// `remaining` more thinnings may follow on the way to the result, so this one
  /// uses `ln(1 + ε) = (budget − logError) / (remaining + 1)`.
  ///
  /// Whatever `remaining` is, no chain of such thinnings takes ``logError`` past
  /// `budget` (each spends a fraction of what is left); `remaining` only spreads
  /// the budget. `budget == 0` is exact.
  public func thinned(budget: Double, remaining: Int) -> Frontier {
    guard budget > logError, count > 2 else { return self }
    return thinned(epsilon: expm1((budget - logError) / Double(max(remaining, 0) + 1)))
  }

  /// `kept / dropped` for a kept value at most `(1 + ε)·dropped`, 1 when the
  /// kept value is no larger.
  private static func ratio(_ kept: Double, _ dropped: Double) -> Double {
    kept <= dropped ? 1 : kept / dropped
  }
}
