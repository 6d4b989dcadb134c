import TensorOptGraph

/// Which block of a tensor one device holds.
///
/// Layout convention (see docs/executor.md): a tensor axis split along mesh axis
/// `a` is cut into contiguous equal chunks and the device keeps chunk number
/// `coordinate[a]`; when several mesh axes split the same tensor axis, the lower
/// mesh axis is the outer (coarser) one, so the chunk index is the mixed-radix
/// number of the coordinates, lowest mesh axis most significant.
public struct ShardBlock: Hashable, Sendable {
  /// For each tensor axis: into how many chunks it is cut.
  public var pieces: [Int]
  /// For each tensor axis: which chunk this device holds.
  public var index: [Int]

  /// The block of `rank` for a tensor of `rank` axes split as `splits`
  /// (pairs of mesh axis and tensor axis) on `mesh`.
  public init(
    tensorRank: Int, splits: [(meshAxis: Int, tensorAxis: Int)], mesh: DeviceMesh, device: Int
  ) {
    let coordinates = mesh.coordinates(of: device)
    pieces = Array(repeating: 1, count: tensorRank)
    index = Array(repeating: 0, count: tensorRank)
    for split in splits.sorted(by: { $0.meshAxis < $1.meshAxis })
    where split.tensorAxis < tensorRank {
      let extent = mesh.shape[split.meshAxis]
      pieces[split.tensorAxis] *= extent
      index[split.tensorAxis] = index[split.tensorAxis] * extent + coordinates[split.meshAxis]
    }
  }

  /// The block `device` holds of a tensor of `rank` axes in `layout`.
  public init(tensorRank: Int, layout: TensorLayout, mesh: DeviceMesh, device: Int) {
    let splits = layout.splitAxis.enumerated().compactMap { axis, tensorAxis in
      tensorAxis.map { (meshAxis: axis, tensorAxis: $0) }
    }
    self.init(tensorRank: tensorRank, splits: splits, mesh: mesh, device: device)
  }

  /// The block's extents for a tensor of `shape` (every split divides its axis).
  public func localShape(_ shape: [Int]) -> [Int] { zip(shape, pieces).map { $0 / $1 } }

  /// The block's first element along each axis.
  public func offsets(_ shape: [Int]) -> [Int] { zip(localShape(shape), index).map { $0 * $1 } }
}

/// Copies between whole tensors and their blocks (row-major, fp32).
public enum BlockCopy {
  /// Copies the block at `offsets` of extents `blockShape` between a row-major
  /// tensor of `shape` (`whole`) and a dense buffer (`block`): from whole to block
  /// when `extract`, else from block into whole.
  public static func copy(
    whole: UnsafeMutablePointer<Float>, shape: [Int], block: UnsafeMutablePointer<Float>,
    blockShape: [Int],
    offsets: [Int], extract: Bool
  ) {
    let rank = shape.count
    guard rank > 0 else {
      if extract { block.pointee = whole.pointee } else { whole.pointee = block.pointee }
      return
    }
    guard blockShape.allSatisfy({ $0 > 0 }) else { return }
    var strides = Array(repeating: 1, count: rank)
    for axis in stride(from: rank - 2, through: 0, by: -1) {
      strides[axis] = strides[axis + 1] * shape[axis + 1]
    }
    let run = blockShape[rank - 1]
    var counter = Array(repeating: 0, count: rank)
    var blockOffset = 0
    while true {
      var wholeOffset = offsets[rank - 1]
      for axis in 0..<(rank - 1) { wholeOffset += (counter[axis] + offsets[axis]) * strides[axis] }
      if extract {
        (block + blockOffset).update(from: whole + wholeOffset, count: run)
      } else {
        (whole + wholeOffset).update(from: block + blockOffset, count: run)
      }
      blockOffset += run
      var axis = rank - 2
      while axis >= 0 {
        counter[axis] += 1
        if counter[axis] < blockShape[axis] { break }
        counter[axis] = 0
        axis -= 1
      }
      if axis < 0 { return }
    }
  }

  /// The chunk `index` of `pieces` of `tensor` along `axis`, as a new tensor.
  public static func chunk(of tensor: DeviceTensor, axis: Int, pieces: Int, index: Int)
    -> DeviceTensor
  {
    var shape = tensor.shape
    shape[axis] /= pieces
    let result = DeviceTensor(shape: shape, allocator: tensor.allocator)
    copyChunk(
      whole: tensor.pointer, shape: tensor.shape, part: result.pointer, axis: axis, pieces: pieces,
      index: index, extract: true)
    return result
  }

  /// Copies chunk `index` of `pieces` along `axis` between a row-major tensor of
  /// `shape` at `whole` and a dense buffer `part` of the chunk's shape.
  public static func copyChunk(
    whole: UnsafeMutablePointer<Float>, shape: [Int], part: UnsafeMutablePointer<Float>, axis: Int,
    pieces: Int,
    index: Int, extract: Bool
  ) {
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    let length = shape[axis]
    let chunk = length / pieces
    let run = chunk * inner
    for o in 0..<outer {
      let w = whole + (o * length + index * chunk) * inner
      let p = part + o * run
      if extract { p.update(from: w, count: run) } else { w.update(from: p, count: run) }
    }
  }
}
