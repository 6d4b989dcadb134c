/// One worker's endpoint to the others: point-to-point transfers and the
/// collectives built on them, over any subgroup of workers.
///
/// A group is an ordered list of distinct worker ids containing the caller; every
/// member must make the same collective calls on that group in the same order
/// (as in MPI or NCCL). Messages are copied into buffers counted by the sender's
/// allocator and freed by the receiver; sends never block, receives wait at most
/// the fabric's timeout. Every call is recorded in the worker's trace.
public final class Communicator: @unchecked Sendable {
  // @unchecked: a communicator belongs to one worker thread; the shared state it
  // touches (the fabric's mailboxes) is lock-protected.

  /// This worker's id.
  public let rank: Int
  /// The number of workers of the run.
  public let worldSize: Int
  /// Counts this worker's message buffers.
  public let allocator: CountingAllocator
  /// Where transfers are recorded.
  public let trace: WorkerTrace
  let fabric: Fabric
  private var sequences: [[Int]: Int] = [:]
  /// CPU seconds this worker has spent blocked in waits or waking a blocked peer
  /// (see ``timedTransfer``).
  private var blockedSeconds = 0.0
  /// Whether calls are recorded as overlapped with later compute (see
  /// ``TraceEvent/overlappedTransfer(kind:group:sequence:bytes:cpuSeconds:wallSeconds:)``);
  /// the calls themselves still complete before returning.
  public var overlapsTransfers = false

  init(rank: Int, fabric: Fabric, allocator: CountingAllocator, trace: WorkerTrace) {
    self.rank = rank
    self.worldSize = fabric.mailboxes.count
    self.fabric = fabric
    self.allocator = allocator
    self.trace = trace
  }

  /// The balanced partition of `length` elements into `parts` chunks: chunk `index`
  /// is `index·length/parts ..< (index+1)·length/parts` (sizes differ by at most one).
  public static func chunk(_ index: Int, of parts: Int, length: Int) -> Range<Int> {
    (index * length / parts)..<((index + 1) * length / parts)
  }

  // MARK: Point to point

  /// Sends a copy of `buffer` to worker `destination` (possibly this worker) under `tag`; never blocks.
  public func send(_ buffer: UnsafeBufferPointer<Float>, to destination: Int, tag: Int)
    throws(ExecutorError)
  {
    try checkWorker(destination)
    try timedTransfer("send", group: [rank, destination], sequence: tag, bytes: buffer.count * 4) {
      () throws(ExecutorError) in
      post(
        buffer, to: destination,
        tag: MessageTag(operation: "p2p", group: [], sequence: tag, step: 0))
    }
  }

  /// Receives the message worker `source` sent under `tag` into `buffer`.
  ///
  /// - Throws: a timeout naming this worker when nothing arrives in time, or
  ///   ``ExecutorError/invalidArgument(_:)`` when the lengths differ.
  public func receive(into buffer: UnsafeMutableBufferPointer<Float>, from source: Int, tag: Int)
    throws(ExecutorError)
  {
    try checkWorker(source)
    try timedTransfer("receive", group: [source, rank], sequence: tag, bytes: buffer.count * 4) {
      () throws(ExecutorError) in
      try fetch(
        into: buffer, from: source,
        tag: MessageTag(operation: "p2p", group: [], sequence: tag, step: 0), add: false)
    }
  }

  // MARK: Collectives

  /// Sums `buffer` element-wise over `group`, leaving the sum on every member.
  ///
  /// Buffers of at least ``ringThresholdBytes`` use the ring (a reduce-scatter then
  /// an all-gather, each `n − 1` neighbour steps); smaller ones the direct form of
  /// the same two phases (every member reads its chunk from all the others at
  /// once), which moves the same bytes in 2 rounds instead of `2(n − 1)` dependent
  /// hand-offs — the latency-bound case.
  public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, group: [Int])
    throws(ExecutorError)
  {
    let (me, n) = try position(in: group)
    let sequence = nextSequence(group)
    try timedTransfer("all-reduce", group: group, sequence: sequence, bytes: buffer.count * 4) {
      () throws(ExecutorError) in
      guard n > 1 else { return }
      let length = buffer.count
      if length * 4 < Self.ringThresholdBytes {
        let mine = Self.chunk(me, of: n, length: length)
        try directReduce(
          UnsafeBufferPointer(buffer), into: UnsafeMutableBufferPointer(rebasing: buffer[mine]),
          me: me, group: group,
          tag: MessageTag(operation: "all-reduce", group: group, sequence: sequence, step: 0))
        try directGather(
          buffer, me: me, group: group,
          tag: MessageTag(operation: "all-reduce", group: group, sequence: sequence, step: 1))
        return
      }
      let right = group[(me + 1) % n]
      let left = group[(me + n - 1) % n]
      for step in 0..<(n - 1) {
        let outgoing = Self.chunk((me - step + 2 * n) % n, of: n, length: length)
        let incoming = Self.chunk((me - step - 1 + 2 * n) % n, of: n, length: length)
        let tag = MessageTag(operation: "all-reduce", group: group, sequence: sequence, step: step)
        try exchange(
          lending: UnsafeBufferPointer(rebasing: buffer[outgoing]), to: right,
          into: UnsafeMutableBufferPointer(rebasing: buffer[incoming]), from: left, tag: tag,
          add: true)
      }
      for step in 0..<(n - 1) {
        let outgoing = Self.chunk((me + 1 - step + 2 * n) % n, of: n, length: length)
        let incoming = Self.chunk((me - step + 2 * n) % n, of: n, length: length)
        let tag = MessageTag(
          operation: "all-reduce", group: group, sequence: sequence, step: n + step)
        try exchange(
          lending: UnsafeBufferPointer(rebasing: buffer[outgoing]), to: right,
          into: UnsafeMutableBufferPointer(rebasing: buffer[incoming]), from: left, tag: tag,
          add: false)
      }
    }
  }

  /// Collectives on fewer bytes than this (per member's buffer) use the direct
  /// algorithms, larger ones the ring.
  public static let ringThresholdBytes = 1 << 20

  /// Sums `input` over `group` and leaves this member's chunk of the sum (chunk
  /// `i` of the balanced partition, `i` = position in `group`) in `output`.
  ///
  /// `input` is used as scratch and holds partial sums afterwards when it has at
  /// least ``ringThresholdBytes``; a smaller one is left unchanged.
  public func reduceScatter(
    _ input: UnsafeMutableBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
    group: [Int]
  ) throws(ExecutorError) {
    let (me, n) = try position(in: group)
    let length = input.count
    let mine = Self.chunk(me, of: n, length: length)
    guard output.count == mine.count else {
      throw .invalidArgument(
        "reduce-scatter output holds \(output.count) elements, chunk \(me) of \(length) has \(mine.count)"
      )
    }
    let sequence = nextSequence(group)
    try timedTransfer("reduce-scatter", group: group, sequence: sequence, bytes: length * 4) {
      () throws(ExecutorError) in
      if length * 4 < Self.ringThresholdBytes {
        copy(UnsafeBufferPointer(rebasing: input[mine]), to: output)
        try directReduce(
          UnsafeBufferPointer(input), into: output, me: me, group: group,
          tag: MessageTag(operation: "reduce-scatter", group: group, sequence: sequence, step: 0))
        return
      }
      let right = group[(me + 1) % n]
      let left = group[(me + n - 1) % n]
      for step in 0..<max(n - 1, 0) {
        let outgoing = Self.chunk((me - step - 1 + 2 * n) % n, of: n, length: length)
        let incoming = Self.chunk((me - step - 2 + 2 * n) % n, of: n, length: length)
        let tag = MessageTag(
          operation: "reduce-scatter", group: group, sequence: sequence, step: step)
        try exchange(
          lending: UnsafeBufferPointer(rebasing: input[outgoing]), to: right,
          into: UnsafeMutableBufferPointer(rebasing: input[incoming]), from: left, tag: tag,
          add: true)
      }
      copy(UnsafeBufferPointer(rebasing: input[mine]), to: output)
    }
  }

  /// Concatenates every member's `input` into `output` in group order; member
  /// `i` contributes chunk `i` of the balanced partition of `output.count` (ring).
  public func allGather(
    _ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
    group: [Int]
  ) throws(ExecutorError) {
    let (me, n) = try position(in: group)
    let length = output.count
    let mine = Self.chunk(me, of: n, length: length)
    guard input.count == mine.count else {
      throw .invalidArgument(
        "all-gather input holds \(input.count) elements, chunk \(me) of \(length) has \(mine.count)"
      )
    }
    let sequence = nextSequence(group)
    try timedTransfer("all-gather", group: group, sequence: sequence, bytes: length * 4) {
      () throws(ExecutorError) in
      copy(input, to: UnsafeMutableBufferPointer(rebasing: output[mine]))
      if length * 4 < Self.ringThresholdBytes {
        try directGather(
          output, me: me, group: group,
          tag: MessageTag(operation: "all-gather", group: group, sequence: sequence, step: 0))
        return
      }
      let right = group[(me + 1) % n]
      let left = group[(me + n - 1) % n]
      for step in 0..<max(n - 1, 0) {
        let outgoing = Self.chunk((me - step + 2 * n) % n, of: n, length: length)
        let incoming = Self.chunk((me - step - 1 + 2 * n) % n, of: n, length: length)
        let tag = MessageTag(operation: "all-gather", group: group, sequence: sequence, step: step)
        try exchange(
          lending: UnsafeBufferPointer(rebasing: output[outgoing]), to: right,
          into: UnsafeMutableBufferPointer(rebasing: output[incoming]), from: left, tag: tag,
          add: false)
      }
    }
  }

  /// Personalised exchange: this member sends chunk `j` of `input` (partitioned by
  /// `sendCounts`) to member `j` and receives member `i`'s chunk into chunk `i` of
  /// `output` (partitioned by `receiveCounts`).
  public func allToAll(
    _ input: UnsafeBufferPointer<Float>, sendCounts: [Int],
    into output: UnsafeMutableBufferPointer<Float>,
    receiveCounts: [Int], group: [Int]
  ) throws(ExecutorError) {
    let (me, n) = try position(in: group)
    guard sendCounts.count == n, receiveCounts.count == n, sendCounts.reduce(0, +) == input.count,
      receiveCounts.reduce(0, +) == output.count, sendCounts[me] == receiveCounts[me]
    else {
      throw .invalidArgument("all-to-all counts do not match the group of \(n) or the buffers")
    }
    let sendOffsets = Self.offsets(sendCounts)
    let receiveOffsets = Self.offsets(receiveCounts)
    let sequence = nextSequence(group)
    try timedTransfer("all-to-all", group: group, sequence: sequence, bytes: input.count * 4) {
      () throws(ExecutorError) in
      let tag = MessageTag(operation: "all-to-all", group: group, sequence: sequence, step: 0)
      var lent: [(LentBuffer, Int)] = []
      defer { for (buffer, _) in lent { buffer.reclaim() } }
      for shift in 1..<max(n, 1) {
        let peer = (me + shift) % n
        let values = UnsafeBufferPointer(
          rebasing: input[sendOffsets[peer]..<(sendOffsets[peer] + sendCounts[peer])])
        lent.append((lend(values, to: group[peer], tag: tag), group[peer]))
      }
      copy(
        UnsafeBufferPointer(rebasing: input[sendOffsets[me]..<(sendOffsets[me] + sendCounts[me])]),
        to: UnsafeMutableBufferPointer(
          rebasing: output[receiveOffsets[me]..<(receiveOffsets[me] + receiveCounts[me])]))
      for shift in 1..<max(n, 1) {
        let peer = (me - shift + n) % n
        let range = receiveOffsets[peer]..<(receiveOffsets[peer] + receiveCounts[peer])
        try fetch(
          into: UnsafeMutableBufferPointer(rebasing: output[range]), from: group[peer], tag: tag,
          add: false)
      }
      for (buffer, reader) in lent { try awaitRead(buffer, by: reader, tag: tag) }
    }
  }

  /// Copies the `root` member's `buffer` (root is a position in `group`) into
  /// every other member's `buffer`.
  public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int, group: [Int])
    throws(ExecutorError)
  {
    let (me, n) = try position(in: group)
    guard group.indices.contains(root) else {
      throw .invalidArgument("broadcast root \(root) is not a position in \(group)")
    }
    let sequence = nextSequence(group)
    try timedTransfer("broadcast", group: group, sequence: sequence, bytes: buffer.count * 4) {
      () throws(ExecutorError) in
      let tag = MessageTag(operation: "broadcast", group: group, sequence: sequence, step: 0)
      if me == root {
        let lent = (0..<n).filter { $0 != root }.map { peer in
          (lend(UnsafeBufferPointer(buffer), to: group[peer], tag: tag), group[peer])
        }
        defer { for (buffer, _) in lent { buffer.reclaim() } }
        for (buffer, reader) in lent { try awaitRead(buffer, by: reader, tag: tag) }
      } else {
        try fetch(into: buffer, from: group[root], tag: tag, add: false)
      }
    }
  }

  // MARK: Internals

  private static func offsets(_ counts: [Int]) -> [Int] {
    var result: [Int] = []
    var total = 0
    for count in counts {
      result.append(total)
      total += count
    }
    return result
  }

  private func checkWorker(_ worker: Int) throws(ExecutorError) {
    guard (0..<worldSize).contains(worker) else {
      throw .invalidArgument("worker \(rank) cannot exchange with worker \(worker) of \(worldSize)")
    }
  }

  func position(in group: [Int]) throws(ExecutorError) -> (Int, Int) {
    guard let me = group.firstIndex(of: rank), Set(group).count == group.count,
      group.allSatisfy({ (0..<worldSize).contains($0) })
    else {
      throw .invalidArgument(
        "worker \(rank) called a collective on group \(group) it does not belong to")
    }
    return (me, group.count)
  }

  func nextSequence(_ group: [Int]) -> Int {
    let value = sequences[group, default: 0]
    sequences[group] = value + 1
    return value
  }

  func timedTransfer(
    _ kind: String, group: [Int], sequence: Int, bytes: Int,
    _ body: () throws(ExecutorError) -> Void
  ) throws(ExecutorError) {
    let cpu = ThreadClock.cpuSeconds()
    let wall = ThreadClock.wallSeconds()
    let blockedBefore = blockedSeconds
    try body()
    // Blocking, and waking a blocked peer, is what N threads sharing fewer cores pay
    // to hand a core over (system calls and scheduling), not moving data: it is left out of the
    // transfer's CPU time, as the waiting itself is (TraceReplay starts a
    // collective when its last member arrives).
    let blocked = blockedSeconds - blockedBefore
    let (cpuSeconds, wallSeconds) = (
      max(ThreadClock.cpuSeconds() - cpu - blocked, 0), ThreadClock.wallSeconds() - wall
    )
    trace.record(
      overlapsTransfers
        ? .overlappedTransfer(
          kind: kind, group: group, sequence: sequence, bytes: bytes, cpuSeconds: cpuSeconds,
          wallSeconds: wallSeconds)
        : .transfer(
          kind: kind, group: group, sequence: sequence, bytes: bytes, cpuSeconds: cpuSeconds,
          wallSeconds: wallSeconds))
  }

  private func post(_ values: UnsafeBufferPointer<Float>, to destination: Int, tag: MessageTag) {
    let message = DeviceTensor(shape: [values.count], copying: values, allocator: allocator)
    fabric.mailboxes[destination].deposit(
      .owned(message), from: rank, tag: tag, handOver: &blockedSeconds)
  }

  /// One ring step: lends `outgoing` to `right`, reads `left`'s lent chunk into
  /// `incoming` (adding when `add`), then waits until `right` has read `outgoing`.
  private func exchange(
    lending outgoing: UnsafeBufferPointer<Float>, to right: Int,
    into incoming: UnsafeMutableBufferPointer<Float>,
    from left: Int, tag: MessageTag, add: Bool
  ) throws(ExecutorError) {
    let lent = lend(outgoing, to: right, tag: tag)
    defer { lent.reclaim() }
    try fetch(into: incoming, from: left, tag: tag, add: add)
    try awaitRead(lent, by: right, tag: tag)
  }

  /// Lends `values` to `destination` under `tag`; pair with ``awaitRead(_:by:tag:)``.
  func lend(_ values: UnsafeBufferPointer<Float>, to destination: Int, tag: MessageTag)
    -> LentBuffer
  {
    let buffer = LentBuffer(values)
    fabric.mailboxes[destination].deposit(
      .lent(buffer), from: rank, tag: tag, handOver: &blockedSeconds)
    return buffer
  }

  /// Waits until `reader` has read a lent buffer.
  func awaitRead(_ buffer: LentBuffer, by reader: Int, tag: MessageTag)
    throws(ExecutorError)
  {
    let mailbox = fabric.mailboxes[rank]
    try buffer.waitUntilRead(
      owner: rank, reader: reader, what: "\(tag)", timeout: fabric.timeout,
      blocked: &blockedSeconds
    ) {
      mailbox.abortReason
    }
  }

  func fetch(
    into buffer: UnsafeMutableBufferPointer<Float>, from source: Int, tag: MessageTag, add: Bool
  ) throws(ExecutorError) {
    try read(from: source, tag: tag, expecting: buffer.count) { values in
      if add { Vector.add(values, into: buffer) } else { copy(values, to: buffer) }
    }
  }

  /// Takes the message `source` sent under `tag` (`expecting` elements) and hands
  /// its values to `body` while they may be read (a lent buffer is released after).
  func read(
    from source: Int, tag: MessageTag, expecting count: Int,
    _ body: (UnsafeBufferPointer<Float>) -> Void
  ) throws(ExecutorError) {
    let message = try fabric.mailboxes[rank].take(
      from: source, tag: tag, owner: rank, timeout: fabric.timeout, blocked: &blockedSeconds)
    let values: UnsafeBufferPointer<Float>
    var lent: LentBuffer?
    switch message {
    case .owned(let tensor): values = UnsafeBufferPointer(tensor.storage)
    case .lent(let buffer):
      guard buffer.claim() else {
        throw .aborted(worker: rank, cause: "worker \(source) withdrew \(tag)")
      }
      values = buffer.values
      lent = buffer
    }
    defer { lent?.finish(handOver: &blockedSeconds) }
    guard values.count == count else {
      throw .invalidArgument(
        "worker \(rank) expected \(count) elements for \(tag), worker \(source) sent \(values.count)"
      )
    }
    withExtendedLifetime(message) { body(values) }
  }

  func copy(
    _ source: UnsafeBufferPointer<Float>, to destination: UnsafeMutableBufferPointer<Float>
  ) {
    assert(source.count == destination.count)
    guard let from = source.baseAddress, let to = destination.baseAddress else { return }
    to.update(from: from, count: source.count)
  }
}
