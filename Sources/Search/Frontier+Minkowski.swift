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
  /// Output-sensitive: every point `a` of a left operand starts a "row"
  /// `a ⊕ rhs`, sorted by time with falling memory. The rows are merged in time
  /// order through a heap while the best memory so far only falls; a row jumps
  /// straight (binary search) to its first sum below that memory, and is dropped
  /// once even its leanest sum cannot beat it. So the work is about
  /// `(rows + output) · log rows`, not `|lhs| · |rhs|` per pair. Traces are built
  /// only for the points kept.
  ///
  /// The merge reads the right operands' costs from one flat copy and keeps the
  /// left costs in the rows, so its loop touches no reference-counted storage;
  /// of equal sums the one of the earlier pair, then earlier left point, is kept.
  ///
  /// `rightTrace` transforms the right operand's trace of each kept point (e.g.
  /// to shift its repetition index), so only kept points pay for it.
  public static func unionOfSums(
    _ pairs: [(Frontier, Frontier)],
    rightTrace: (StrategyTrace) -> StrategyTrace = { $0 }
  ) -> Frontier {
    var rightCount = 0
    var rowCount = 0
    var logError = 0.0
    for (lhs, rhs) in pairs {
      logError = max(logError, lhs.logError, rhs.logError)
      guard !rhs.isEmpty else { continue }
      rightCount += rhs.count
      rowCount += lhs.count
    }
    var rightCosts: [CostVector] = []
    rightCosts.reserveCapacity(rightCount)
    var rows: [Row] = []
    rows.reserveCapacity(rowCount)
    for (p, (lhs, rhs)) in pairs.enumerated() where !rhs.isEmpty {
      let start = Int32(rightCosts.count)
      for point in rhs.points { rightCosts.append(point.cost) }
      let end = Int32(rightCosts.count)
      let b = rhs.points[0].cost
      for i in lhs.points.indices {
        let a = lhs.points[i].cost
        rows.append(
          Row(
            time: a.time + b.time, memory: a.memory + b.memory, leftTime: a.time,
            leftMemory: a.memory, pair: Int32(p), left: Int32(i), right: start, end: end,
            start: start))
      }
    }
    var kept: [FrontierPoint] = []
    kept.reserveCapacity(min(rowCount, 16))
    rightCosts.withUnsafeBufferPointer { right in
      rows.withUnsafeMutableBufferPointer { buffer in
        var heap = RowHeap(rows: buffer)
        heap.heapify()
        var bestMemory = Double.infinity
        while heap.count > 0 {
          var row = heap.top
          if row.memory < bestMemory {
            bestMemory = row.memory
            let (lhs, rhs) = pairs[Int(row.pair)]
            kept.append(
              FrontierPoint(
                cost: CostVector(time: row.time, memory: row.memory),
                trace: .combining(
                  lhs.points[Int(row.left)].trace,
                  rightTrace(rhs.points[Int(row.right - row.start)].trace))))
          }
          // The row's next useful sum: the first with memory below `bestMemory`.
          let bound = bestMemory - row.leftMemory
          var low = Int(row.right) + 1
          var high = Int(row.end)
          while low < high {
            let mid = (low + high) / 2
            if right[mid].memory < bound { high = mid } else { low = mid + 1 }
          }
          if low < Int(row.end) && row.leftMemory + right[low].memory < bestMemory {
            row.time = row.leftTime + right[low].time
            row.memory = row.leftMemory + right[low].memory
            row.right = Int32(low)
            heap.replaceTop(row)
          } else {
            heap.removeTop()
          }
        }
      }
    }
    var result = Frontier(uncheckedPoints: kept)
    result.logError = logError
    return result
  }

  /// One left point's sums with a right frontier, at its current position
  /// (`right`, within `start..<end` of the flat right costs).
  struct Row {
    var time: Double
    var memory: Double
    var leftTime: Double
    var leftMemory: Double
    var pair: Int32
    var left: Int32
    var right: Int32
    var end: Int32
    var start: Int32

    @inline(__always)
    func precedes(_ other: Row) -> Bool {
      if time != other.time { return time < other.time }
      if memory != other.memory { return memory < other.memory }
      if pair != other.pair { return pair < other.pair }
      return left < other.left
    }
  }

  /// A binary min-heap of rows over a caller's buffer (no bounds checks, no
  /// reference counting); `count` leading rows are live.
  struct RowHeap {
    let rows: UnsafeMutableBufferPointer<Row>
    private(set) var count: Int

    init(rows: UnsafeMutableBufferPointer<Row>) {
      self.rows = rows
      self.count = rows.count
    }

    var top: Row { rows[0] }

    func heapify() {
      guard count > 1 else { return }
      for index in stride(from: count / 2 - 1, through: 0, by: -1) {
        siftDown(rows[index], from: index)
      }
    }

    func replaceTop(_ row: Row) { siftDown(row, from: 0) }

    mutating func removeTop() {
      count -= 1
      if count > 0 { siftDown(rows[count], from: 0) }
    }

    /// Places `row` at `start`, moving smaller children up into the hole.
    private func siftDown(_ row: Row, from start: Int) {
      let base = rows.baseAddress!
      var index = start
      while true {
        let left = 2 * index + 1
        guard left < count else { break }
        var child = left
        if left + 1 < count && base[left + 1].precedes(base[left]) { child = left + 1 }
        guard base[child].precedes(row) else { break }
        base[index] = base[child]
        index = child
      }
      base[index] = row
    }
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
