extension Frontier {
  /// One fixed point's sums with the other operand of its pair, at its current
  /// position (`position`, within `start..<end` of the flat moving costs). The
  /// current sum's time is kept in the row's heap entry.
  struct Row {
    /// The current sum's memory.
    var memory: Double
    /// The fixed point's time.
    var fixedTime: Double
    /// The fixed point's memory.
    var fixedMemory: Double
    /// The pair the row belongs to.
    var pair: Int32
    /// The left point of the current sum.
    var left: Int32
    /// The right point of the current sum.
    var right: Int32
    /// The current moving point, in the flat moving costs.
    var position: Int32
    /// The end of the row's moving points in the flat moving costs.
    var end: Int32
    /// The row's first moving point in the flat moving costs.
    var start: Int32

    /// The order of two rows' current sums at equal times: by memory, pair,
    /// left point.
    @inline(__always)
    func tiePrecedes(_ other: Row) -> Bool {
      if memory != other.memory { return memory < other.memory }
      if pair != other.pair { return pair < other.pair }
      return left < other.left
    }
  }

  /// A binary min-heap of rows over a caller's buffers (no bounds checks, no
  /// reference counting); `count` leading entries are live.
  ///
  /// The heap moves small entries (a row's current time and its index) and
  /// reads the rows themselves only to break ties of time, so a sift copies
  /// 16 bytes per level; the order is that of the rows' current sums by time,
  /// memory, pair and left point.
  struct RowHeap {
    /// A row's place in the heap: its current sum's time and its index.
    struct Entry {
      /// The row's current sum's time.
      var time: Double
      /// The row, in ``rows``.
      var row: Int32
    }

    /// The entries, the live ones first.
    let entries: UnsafeMutableBufferPointer<Entry>
    /// The rows the entries name.
    let rows: UnsafeMutableBufferPointer<Row>
    private(set) var count: Int

    /// A heap over `entries` (one per row, in any order), not yet heapified.
    init(entries: UnsafeMutableBufferPointer<Entry>, rows: UnsafeMutableBufferPointer<Row>) {
      assert(entries.count == rows.count)
      self.entries = entries
      self.rows = rows
      self.count = entries.count
    }

    var top: Entry { entries[0] }

    /// Whether `lhs`'s row's current sum comes first: by time, memory, pair,
    /// left point.
    @inline(__always)
    private func precedes(_ lhs: Entry, _ rhs: Entry) -> Bool {
      if lhs.time != rhs.time { return lhs.time < rhs.time }
      return rows[Int(lhs.row)].tiePrecedes(rows[Int(rhs.row)])
    }

    /// ``precedes(_:_:)`` as 1 or 0, computed without a branch on the (hard to
    /// predict) time comparison: only equal times, which are rare, branch.
    @inline(__always)
    private func precedence(_ lhs: Entry, over rhs: Entry) -> Int {
      var first = lhs.time < rhs.time
      if lhs.time == rhs.time { first = rows[Int(lhs.row)].tiePrecedes(rows[Int(rhs.row)]) }
      return Int(truncatingIfNeeded: unsafeBitCast(first, to: UInt8.self))
    }

    func heapify() {
      guard count > 1 else { return }
      for index in stride(from: count / 2 - 1, through: 0, by: -1) {
        siftDown(entries[index], from: index)
      }
    }

    /// Replaces the top entry by `entry` (its row updated by the caller).
    func replaceTop(_ entry: Entry) { sinkFromTop(entry) }

    mutating func removeTop() {
      count -= 1
      if count > 0 { sinkFromTop(entries[count]) }
    }

    /// Places `entry` at `start`, moving smaller children up into the hole.
    private func siftDown(_ entry: Entry, from start: Int) {
      guard let base = entries.baseAddress else { return }
      var index = start
      while true {
        let left = 2 * index + 1
        guard left < count else { break }
        var child = left
        if left + 1 < count && precedes(base[left + 1], base[left]) { child = left + 1 }
        guard precedes(base[child], entry) else { break }
        base[index] = base[child]
        index = child
      }
      base[index] = entry
    }

    /// Places `entry` at the root the bottom-up way: the hole first sinks to a
    /// leaf along the smaller children (one comparison per level), then `entry`
    /// rises from there to its place. A row that replaces the top usually
    /// belongs deep down, so this compares less than ``siftDown(_:from:)``.
    private func sinkFromTop(_ entry: Entry) {
      guard let base = entries.baseAddress else { return }
      var index = 0
      while true {
        let left = 2 * index + 1
        guard left < count else { break }
        let child = left + 1 < count ? left + precedence(base[left + 1], over: base[left]) : left
        base[index] = base[child]
        index = child
      }
      while index > 0 {
        let parent = (index - 1) / 2
        guard precedes(entry, base[parent]) else { break }
        base[index] = base[parent]
        index = parent
      }
      base[index] = entry
    }
  }
}
