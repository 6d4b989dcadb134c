/// The direct (one-round) forms of the reduce-scatter and all-gather phases,
/// used for buffers below ``Communicator/ringThresholdBytes``.
///
/// Every member lends its chunks to all the others before reading anything, so
/// no read waits on another read: two rounds per all-reduce instead of the ring's
/// `2(n − 1)` dependent neighbour hand-offs, for the same bytes moved.
extension Communicator {
  /// The direct reduce-scatter phase: lends chunk `j` of `source` to member `j`,
  /// adds every other member's chunk `me` into `target` (in group order, starting
  /// after this member), and returns once every lent chunk was read. `source` is
  /// only read; `target` may be `source`'s own chunk `me`, which nobody else reads.
  func directReduce(
    _ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float>, me: Int,
    group: [Int], tag: MessageTag
  ) throws(ExecutorError) {
    let n = group.count
    let length = source.count
    var lent: [(LentBuffer, Int)] = []
    lent.reserveCapacity(n - 1)
    defer { for (buffer, _) in lent { buffer.reclaim() } }
    for shift in 1..<n {
      let peer = (me + shift) % n
      let range = Self.chunk(peer, of: n, length: length)
      lent.append(
        (lend(UnsafeBufferPointer(rebasing: source[range]), to: group[peer], tag: tag), group[peer])
      )
    }
    for shift in 1..<n {
      try fetch(into: target, from: group[(me + n - shift) % n], tag: tag, add: true)
    }
    for (buffer, reader) in lent { try awaitRead(buffer, by: reader, tag: tag) }
  }

  /// The direct all-gather phase: lends `buffer[chunk me]` to every other member,
  /// reads member `j`'s chunk into `buffer[chunk j]`, and returns once every other
  /// member has read this one's chunk.
  func directGather(
    _ buffer: UnsafeMutableBufferPointer<Float>, me: Int, group: [Int], tag: MessageTag
  ) throws(ExecutorError) {
    let n = group.count
    let length = buffer.count
    let mine = UnsafeBufferPointer(rebasing: buffer[Self.chunk(me, of: n, length: length)])
    var lent: [(LentBuffer, Int)] = []
    lent.reserveCapacity(n - 1)
    defer { for (buffer, _) in lent { buffer.reclaim() } }
    for shift in 1..<n {
      let peer = group[(me + shift) % n]
      lent.append((lend(mine, to: peer, tag: tag), peer))
    }
    for shift in 1..<n {
      let peer = (me + n - shift) % n
      let range = Self.chunk(peer, of: n, length: length)
      try fetch(
        into: UnsafeMutableBufferPointer(rebasing: buffer[range]), from: group[peer], tag: tag,
        add: false)
    }
    for (buffer, reader) in lent { try awaitRead(buffer, by: reader, tag: tag) }
  }

  /// A personalised exchange in which every member reads what it needs straight
  /// from the others' buffers: `buffer` (the same length on every member) is lent
  /// to all the others, `body` is called with each member's position and buffer
  /// (this member's own included) while it may be read, and the call returns once
  /// every other member has read this one's. Recorded as an all-to-all of
  /// `buffer`'s bytes; the copies `body` makes are part of it.
  public func exchange(
    _ buffer: UnsafeBufferPointer<Float>, group: [Int],
    _ body: (Int, UnsafeBufferPointer<Float>) -> Void
  ) throws(ExecutorError) {
    let me = try position(in: group).0
    let sequence = nextSequence(group)
    try timedTransfer("all-to-all", group: group, sequence: sequence, bytes: buffer.count * 4) {
      () throws(ExecutorError) in
      try readInPlace(
        buffer, me: me, group: group,
        tag: MessageTag(operation: "all-to-all", group: group, sequence: sequence, step: 0), body)
    }
  }

  /// The untimed core of ``exchange(_:group:_:)``: lends `buffer` to every other
  /// member under `tag`, calls `body` with this member's position and buffer, then
  /// with each other member's (positions `me − 1, me − 2, …`) while it may be read,
  /// and returns once every other member has read this one's.
  func readInPlace(
    _ buffer: UnsafeBufferPointer<Float>, me: Int, group: [Int], tag: MessageTag,
    _ body: (Int, UnsafeBufferPointer<Float>) -> Void
  ) throws(ExecutorError) {
    let n = group.count
    var lent: [(LentBuffer, Int)] = []
    lent.reserveCapacity(n - 1)
    defer { for (buffer, _) in lent { buffer.reclaim() } }
    for shift in 1..<n {
      let peer = group[(me + shift) % n]
      lent.append((lend(buffer, to: peer, tag: tag), peer))
    }
    body(me, buffer)
    for shift in 1..<n {
      let position = (me + n - shift) % n
      try read(from: group[position], tag: tag, expecting: buffer.count) { values in
        body(position, values)
      }
    }
    for (buffer, reader) in lent { try awaitRead(buffer, by: reader, tag: tag) }
  }
}
