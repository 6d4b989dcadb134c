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
}
