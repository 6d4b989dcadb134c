/// Reduce-scatter and all-gather of a buffer cut along an inner tensor axis.
///
/// The buffer is viewed as `rows` equal rows (the extents before the split axis)
/// and every row is cut into one equal chunk per member; member `i`'s share is
/// chunk `i` of every row, rows in order — what splitting a row-major tensor along
/// a non-outermost axis gives. Below ``Communicator/ringThresholdBytes`` members
/// read each other's rows in place (no staging copy); larger buffers are packed
/// into chunk order (a timed `relayout-pack` / `relayout-unpack` kernel) around
/// the ring collectives.
extension Communicator {
  /// Sums `input` (`rows` rows) over `group` and leaves chunk `position` of every
  /// row of the sum in `output` (`input.count / group.count` elements). `input` is
  /// only read.
  public func reduceScatter(
    rows: Int, _ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
    group: [Int]
  ) throws(ExecutorError) {
    let (me, n) = try position(in: group)
    let piece = try Self.rowPiece(rows: rows, length: input.count, members: n)
    guard output.count == rows * piece else {
      throw .invalidArgument(
        "reduce-scatter output holds \(output.count) elements, \(rows) rows of \(piece) expected")
    }
    guard let source = input.baseAddress, let target = output.baseAddress else { return }
    if input.count * 4 >= Self.ringThresholdBytes {
      let packed = DeviceTensor(shape: [input.count], allocator: allocator)
      trace.timed("relayout-pack") {
        Self.reorderChunks(
          rows: rows, members: n, piece: piece, rowOrder: UnsafeMutablePointer(mutating: source),
          chunkOrder: packed.pointer, packing: true)
      }
      try reduceScatter(packed.storage, into: output, group: group)
      return
    }
    let sequence = nextSequence(group)
    try timedTransfer("reduce-scatter", group: group, sequence: sequence, bytes: input.count * 4) {
      () throws(ExecutorError) in
      let tag = MessageTag(operation: "reduce-scatter", group: group, sequence: sequence, step: 0)
      try readInPlace(input, me: me, group: group, tag: tag) { position, values in
        guard let base = values.baseAddress else { return }
        for row in 0..<rows {
          let from = base + row * n * piece + me * piece
          if position == me {
            Vector.copy(from, to: target + row * piece, count: piece)
          } else {
            Vector.add(from, into: target + row * piece, count: piece)
          }
        }
      }
    }
  }

  /// Gathers every member's `input` (`rows` rows of one chunk) into `output`, whose
  /// row `r` is the members' row `r` side by side in group order.
  public func allGather(
    rows: Int, _ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
    group: [Int]
  ) throws(ExecutorError) {
    let (me, n) = try position(in: group)
    let piece = try Self.rowPiece(rows: rows, length: output.count, members: n)
    guard input.count == rows * piece else {
      throw .invalidArgument(
        "all-gather input holds \(input.count) elements, \(rows) rows of \(piece) expected")
    }
    guard input.baseAddress != nil, let target = output.baseAddress else { return }
    if output.count * 4 >= Self.ringThresholdBytes {
      let gathered = DeviceTensor(shape: [output.count], allocator: allocator)
      try allGather(input, into: gathered.storage, group: group)
      trace.timed("relayout-unpack") {
        Self.reorderChunks(
          rows: rows, members: n, piece: piece, rowOrder: target, chunkOrder: gathered.pointer,
          packing: false)
      }
      return
    }
    let sequence = nextSequence(group)
    try timedTransfer("all-gather", group: group, sequence: sequence, bytes: output.count * 4) {
      () throws(ExecutorError) in
      let tag = MessageTag(operation: "all-gather", group: group, sequence: sequence, step: 0)
      try readInPlace(input, me: me, group: group, tag: tag) { position, values in
        guard let base = values.baseAddress else { return }
        for row in 0..<rows {
          Vector.copy(
            base + row * piece, to: target + row * n * piece + position * piece, count: piece)
        }
      }
    }
  }

  /// Copies between row order (row `r` holds every member's chunk side by side)
  /// and chunk order (member `i`'s chunks of all rows together, members in
  /// order): from `rowOrder` into `chunkOrder` when `packing`, else back.
  static func reorderChunks(
    rows: Int, members: Int, piece: Int, rowOrder: UnsafeMutablePointer<Float>,
    chunkOrder: UnsafeMutablePointer<Float>, packing: Bool
  ) {
    for i in 0..<members {
      for row in 0..<rows {
        let inRow = rowOrder + row * members * piece + i * piece
        let inChunk = chunkOrder + (i * rows + row) * piece
        if packing {
          Vector.copy(inRow, to: inChunk, count: piece)
        } else {
          Vector.copy(inChunk, to: inRow, count: piece)
        }
      }
    }
  }

  /// The elements of one member's chunk of one row; throws unless `length` splits
  /// into `rows` rows of `members` equal chunks.
  static func rowPiece(rows: Int, length: Int, members: Int) throws(ExecutorError) -> Int {
    guard rows > 0, members > 0, length % rows == 0, (length / rows) % members == 0 else {
      throw .invalidArgument(
        "\(length) elements do not split into \(rows) rows of \(members) equal chunks")
    }
    return length / rows / members
  }
}
