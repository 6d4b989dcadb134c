import TensorOptGraph

/// Carries out ``TensorLayout/relayout(to:totalBytes:mesh:)`` on real buffers for one worker.
///
/// Each step acts along one mesh axis with that axis's group
/// (``DeviceMesh/group(of:alongAxis:)``): slice (local), all-reduce,
/// reduce-scatter, all-gather, all-to-all. When a higher mesh axis also splits a
/// tensor axis the step touches, that axis's split is nested inside the step's
/// (lower axes are outer), so the engine first all-gathers the higher axes
/// (innermost first), performs the step, then slices them again locally; these
/// extra gathers are recorded in the trace like any other collective.
struct RelayoutEngine {
  let view: StageView
  let worker: Worker
  private var mesh: DeviceMesh { view.mesh }

  /// The same tensor in `target` layout (which holds no partial sums).
  func relayout(_ value: ShardedTensor, to target: TensorLayout) throws(ExecutorError)
    -> ShardedTensor
  {
    if value.layout == target { return value }
    let bytes = Double(value.globalShape.reduce(1, *) * 4)
    var current = value
    for step in value.layout.relayout(to: target, totalBytes: bytes, mesh: mesh) {
      let axis = step.meshAxis
      switch step.kind {
      case .slice:
        let t = try tensorAxis(target.splitAxis[axis], step)
        current = try nested(current, meshAxis: axis, tensorAxes: [t]) { v throws(ExecutorError) in
          try slice(v, meshAxis: axis, tensorAxis: t)
        }
      case .allReduce:
        current = try allReduce(current, meshAxis: axis)
      case .reduceScatter:
        let t = try tensorAxis(target.splitAxis[axis], step)
        current = try nested(current, meshAxis: axis, tensorAxes: [t]) { v throws(ExecutorError) in
          try reduceScatter(v, meshAxis: axis, tensorAxis: t)
        }
      case .allToAll:
        let s = try tensorAxis(current.layout.splitAxis[axis], step)
        let t = try tensorAxis(target.splitAxis[axis], step)
        current = try nested(current, meshAxis: axis, tensorAxes: [s, t]) {
          v throws(ExecutorError) in
          try allToAll(v, meshAxis: axis, from: s, to: t)
        }
      case .allGather:
        let s = try tensorAxis(current.layout.splitAxis[axis], step)
        current = try nested(current, meshAxis: axis, tensorAxes: [s]) { v throws(ExecutorError) in
          try allGather(v, meshAxis: axis)
        }
      }
    }
    assert(current.layout == target, "re-layout ended in \(current.layout), wanted \(target)")
    return current
  }

  private func tensorAxis(_ axis: Int?, _ step: RelayoutStep) throws(ExecutorError) -> Int {
    guard let axis else {
      throw .invalidArgument(
        "re-layout step \(step.kind.rawValue) on mesh axis \(step.meshAxis) has no tensor axis")
    }
    return axis
  }

  private func nested(
    _ value: ShardedTensor, meshAxis: Int, tensorAxes: [Int],
    _ body: (ShardedTensor) throws(ExecutorError) -> ShardedTensor
  ) throws(ExecutorError) -> ShardedTensor {
    let inner = (meshAxis + 1..<mesh.shape.count).compactMap { b -> (Int, Int)? in
      guard let t = value.layout.splitAxis[b], tensorAxes.contains(t) else { return nil }
      return (b, t)
    }
    var current = value
    for (b, _) in inner.reversed() { current = try allGather(current, meshAxis: b) }
    current = try body(current)
    for (b, t) in inner { current = try slice(current, meshAxis: b, tensorAxis: t) }
    return current
  }

  private func group(_ axis: Int) -> (members: [Int], position: Int, size: Int) {
    (view.group(alongAxis: axis), view.coordinates[axis], mesh.shape[axis])
  }

  private func checkDivisible(_ value: ShardedTensor, _ t: Int, by n: Int) throws(ExecutorError) {
    guard value.local.shape.indices.contains(t), value.local.shape[t] % n == 0 else {
      throw .unsupported(
        "tensor axis \(t) of local shape \(value.local.shape) is not divisible by \(n)")
    }
  }

  func slice(_ value: ShardedTensor, meshAxis: Int, tensorAxis t: Int) throws(ExecutorError)
    -> ShardedTensor
  {
    let (_, me, n) = group(meshAxis)
    try checkDivisible(value, t, by: n)
    var result = value
    result.local = worker.trace.timed("slice") {
      BlockCopy.chunk(of: value.local, axis: t, pieces: n, index: me)
    }
    result.layout.splitAxis[meshAxis] = t
    return result
  }

  func allReduce(_ value: ShardedTensor, meshAxis: Int) throws(ExecutorError) -> ShardedTensor {
    let (members, _, _) = group(meshAxis)
    var result = value
    result.local = worker.trace.timed("relayout-copy") {
      DeviceTensor(
        shape: value.local.shape, copying: UnsafeBufferPointer(value.local.storage),
        allocator: worker.allocator)
    }
    try worker.communicator.allReduce(result.local.storage, group: members)
    result.layout.isPartial[meshAxis] = false
    return result
  }

  func reduceScatter(_ value: ShardedTensor, meshAxis: Int, tensorAxis t: Int) throws(ExecutorError)
    -> ShardedTensor
  {
    let (members, _, n) = group(meshAxis)
    try checkDivisible(value, t, by: n)
    let source = value.local
    var shape = source.shape
    shape[t] /= n
    let output = DeviceTensor(shape: shape, allocator: worker.allocator)
    // Rows are the extents before axis t; the source (maybe read by another
    // consumer too) is only read.
    try worker.communicator.reduceScatter(
      rows: Self.rows(source.shape, axis: t), UnsafeBufferPointer(source.storage),
      into: output.storage, group: members)
    var result = value
    result.local = output
    result.layout.isPartial[meshAxis] = false
    result.layout.splitAxis[meshAxis] = t
    return result
  }

  func allGather(_ value: ShardedTensor, meshAxis: Int) throws(ExecutorError) -> ShardedTensor {
    let (members, _, n) = group(meshAxis)
    guard let t = value.layout.splitAxis[meshAxis] else { return value }
    let source = value.local
    var shape = source.shape
    shape[t] *= n
    let output = DeviceTensor(shape: shape, allocator: worker.allocator)
    try worker.communicator.allGather(
      rows: Self.rows(shape, axis: t), UnsafeBufferPointer(source.storage), into: output.storage,
      group: members)
    var result = value
    result.local = output
    result.layout.splitAxis[meshAxis] = nil
    return result
  }

  /// The number of rows a split along `axis` cuts: the product of the extents before it.
  static func rows(_ shape: [Int], axis: Int) -> Int {
    shape.prefix(axis).reduce(1, *)
  }

  func allToAll(_ value: ShardedTensor, meshAxis: Int, from s: Int, to t: Int) throws(ExecutorError)
    -> ShardedTensor
  {
    let (members, _, n) = group(meshAxis)
    try checkDivisible(value, t, by: n)
    let source = value.local
    var shape = source.shape
    shape[t] /= n
    shape[s] *= n
    let output = DeviceTensor(shape: shape, allocator: worker.allocator)
    // Member i's piece is its chunk `me` along t; it becomes chunk i along s. Each
    // piece goes through one dense scratch block (no staging of whole buffers).
    let me = view.coordinates[meshAxis]
    let piece = DeviceTensor(shape: [source.count / n], allocator: worker.allocator)
    try worker.communicator.exchange(UnsafeBufferPointer(source.storage), group: members) {
      position, values in
      guard let base = values.baseAddress else { return }
      BlockCopy.copyChunk(
        whole: UnsafeMutablePointer(mutating: base), shape: source.shape, part: piece.pointer,
        axis: t, pieces: n, index: me, extract: true)
      BlockCopy.copyChunk(
        whole: output.pointer, shape: shape, part: piece.pointer, axis: s, pieces: n,
        index: position, extract: false)
    }
    var result = value
    result.local = output
    result.layout.splitAxis[meshAxis] = t
    return result
  }
}
