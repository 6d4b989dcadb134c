import TensorOptCost

extension Frontier {
  /// The Minkowski sum `self ⊕ other`: the non-dominated pairwise sums, each
  /// point's trace joining the two it came from.
  public func minkowskiSum(_ other: Frontier) -> Frontier {
    if count == 1, other.count == 1 {
      return .single(
        points[0].cost + other.points[0].cost,
        trace: .combining(points[0].trace, other.points[0].trace))
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
  public static func unionOfSums(_ pairs: [(Frontier, Frontier)]) -> Frontier {
    var heap = RowHeap()
    for (p, (lhs, rhs)) in pairs.enumerated() where !rhs.isEmpty {
      for i in lhs.points.indices {
        let a = lhs.points[i].cost
        let b = rhs.points[0].cost
        heap.rows.append(
          Row(
            time: a.time + b.time, memory: a.memory + b.memory, pair: Int32(p), left: Int32(i),
            right: 0))
      }
    }
    heap.heapify()
    var kept: [FrontierPoint] = []
    var bestMemory = Double.infinity
    while var row = heap.rows.first {
      let (lhs, rhs) = pairs[Int(row.pair)]
      let a = lhs.points[Int(row.left)].cost
      if row.memory < bestMemory {
        bestMemory = row.memory
        let b = rhs.points[Int(row.right)]
        kept.append(
          FrontierPoint(
            cost: CostVector(time: row.time, memory: row.memory),
            trace: .combining(lhs.points[Int(row.left)].trace, b.trace)))
      }
      // The row's next useful sum: the first with memory below `bestMemory`.
      let bound = bestMemory - a.memory
      var low = Int(row.right) + 1
      var high = rhs.points.count
      while low < high {
        let mid = (low + high) / 2
        if rhs.points[mid].cost.memory < bound { high = mid } else { low = mid + 1 }
      }
      if low < rhs.points.count && a.memory + rhs.points[low].cost.memory < bestMemory {
        let b = rhs.points[low].cost
        row.time = a.time + b.time
        row.memory = a.memory + b.memory
        row.right = Int32(low)
        heap.replaceTop(row)
      } else {
        heap.removeTop()
      }
    }
    return Frontier(uncheckedPoints: kept)
  }

  /// One left point's sums with a right frontier, at its current position.
  struct Row {
    var time: Double
    var memory: Double
    var pair: Int32
    var left: Int32
    var right: Int32

    func precedes(_ other: Row) -> Bool {
      if time != other.time { return time < other.time }
      if memory != other.memory { return memory < other.memory }
      return (pair, left) < (other.pair, other.left)
    }
  }

  /// A binary min-heap of rows.
  struct RowHeap {
    var rows: [Row] = []

    mutating func heapify() {
      guard rows.count > 1 else { return }
      for index in stride(from: rows.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    mutating func replaceTop(_ row: Row) {
      rows[0] = row
      siftDown(0)
    }

    mutating func removeTop() {
      let last = rows.removeLast()
      if !rows.isEmpty {
        rows[0] = last
        siftDown(0)
      }
    }

    private mutating func siftDown(_ start: Int) {
      var index = start
      let count = rows.count
      while true {
        let left = 2 * index + 1
        guard left < count else { return }
        var child = left
        if left + 1 < count && rows[left + 1].precedes(rows[left]) { child = left + 1 }
        guard rows[child].precedes(rows[index]) else { return }
        rows.swapAt(child, index)
        index = child
      }
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
  /// within the factor.
  public func thinned(epsilon: Double) -> Frontier {
    guard epsilon > 0, count > 2 else { return self }
    let factor = 1 + epsilon
    var kept: [FrontierPoint] = []
    var index = 0
    while index < points.count {
      let limit = points[index].cost.time * factor
      var representative = index
      while representative + 1 < points.count, points[representative + 1].cost.time <= limit {
        representative += 1
      }
      let chosen = points[representative]
      kept.append(chosen)
      index = representative + 1
      while index < points.count, chosen.cost.memory <= points[index].cost.memory * factor {
        index += 1
      }
    }
    return Frontier(uncheckedPoints: kept)
  }
}
