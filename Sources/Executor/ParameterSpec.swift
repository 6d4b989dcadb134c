import TensorOptGraph

/// A trainable tensor of one operator: its whole shape, how a configuration
/// splits it, and along which mesh axes its gradient must be summed.
struct ParameterSpec: Sendable {
  /// `"weight"`, `"bias"`, `"table"`, `"gamma"`, `"beta"`.
  var name: String
  /// The whole tensor's extents.
  var shape: [Int]
  /// Pairs of (mesh axis, parameter axis) that split it.
  var splits: [(meshAxis: Int, tensorAxis: Int)]
  /// Mesh axes whose groups all-reduce its gradient.
  var syncAxes: [Int]
  /// Initial values: `offset + scale · u`, `u` uniform in [-1, 1).
  var scale: Float
  var offset: Float

  /// The layout of this parameter on a mesh of `meshAxes` axes.
  func layout(meshAxes: Int) -> TensorLayout {
    var layout = TensorLayout.replicated(meshAxes: meshAxes)
    for split in splits { layout.splitAxis[split.meshAxis] = split.tensorAxis }
    return layout
  }

  /// The parameters of an operator under `configuration`, or an error for
  /// operators the executor does not run yet.
  static func specs(
    for op: Operator, inputs: [[Int]], output: [Int], configuration: OpConfiguration,
    placement: OperatorPlacement,
    stepName: String
  ) throws(ExecutorError) -> [ParameterSpec] {
    func axes(_ name: String) -> [Int] {
      configuration.assignments.indices.filter { configuration.assignments[$0] == name }
    }
    let sync = placement.gradientSyncAxes
    if op.attributes.tiedTo != nil {
      // A tied linear layer borrows its weight (see ExecutionPlan.Tie); it owns only its bias.
      guard op.kind == .linear else {
        throw .unsupported("\(stepName): only linear layers may be tied (tied_to) in the executor")
      }
      guard op.attributes.bias, let fanOut = output.last else { return [] }
      return [
        ParameterSpec(
          name: "bias", shape: [fanOut], splits: axes("out").map { ($0, 0) },
          syncAxes: (sync + axes("in")).sorted(), scale: 0.1, offset: 0)
      ]
    }
    switch op.kind {
    case .linear:
      let fanIn = inputs[0].last ?? 1
      let fanOut = output.last ?? 1
      let scale = 1 / Float(fanIn).squareRoot()
      var specs = [
        ParameterSpec(
          name: "weight", shape: [fanIn, fanOut],
          splits: axes("out").map { ($0, 1) } + axes("in").map { ($0, 0) },
          syncAxes: sync, scale: scale, offset: 0)
      ]
      if op.attributes.bias {
        specs.append(
          ParameterSpec(
            name: "bias", shape: [fanOut], splits: axes("out").map { ($0, 0) },
            syncAxes: (sync + axes("in")).sorted(),
            scale: 0.1, offset: 0))
      }
      return specs
    case .embedding:
      let width = output.last ?? 1
      return [
        ParameterSpec(
          name: "table", shape: [op.attributes.rows, width],
          splits: axes("vocab").map { ($0, 0) } + axes("out").map { ($0, 1) }, syncAxes: sync,
          scale: 0.5, offset: 0)
      ]
    case .layerNorm, .rmsNorm:
      let width = output.last ?? 1
      var specs = [
        ParameterSpec(
          name: "gamma", shape: [width], splits: [], syncAxes: sync, scale: 0.1, offset: 1)
      ]
      if op.kind == .layerNorm && op.attributes.bias {
        specs.append(
          ParameterSpec(
            name: "beta", shape: [width], splits: [], syncAxes: sync, scale: 0.1, offset: 0))
      }
      return specs
    case .conv2d:
      guard op.attributes.groups == 1, inputs[0].count == 4, output.count == 4 else {
        throw .unsupported("\(stepName): only ungrouped NCHW convolutions run in the executor")
      }
      let kernel = op.attributes.kernel
      let shape = [output[1], inputs[0][1]] + kernel
      var specs = [
        ParameterSpec(
          name: "weight", shape: shape,
          splits: axes("channels").map { ($0, 0) } + axes("in_channels").map { ($0, 1) },
          syncAxes: sync,
          scale: 1 / Float(shape.dropFirst().reduce(1, *)).squareRoot(), offset: 0)
      ]
      if op.attributes.bias {
        specs.append(
          ParameterSpec(
            name: "bias", shape: [output[1]], splits: axes("channels").map { ($0, 0) },
            syncAxes: (sync + axes("in_channels")).sorted(), scale: 0.1, offset: 0))
      }
      return specs
    case .batchNorm:
      let channels = inputs[0].count > 1 ? inputs[0][1] : 1
      let splits = axes("channels").map { (meshAxis: $0, tensorAxis: 0) }
      return [
        ParameterSpec(
          name: "gamma", shape: [channels], splits: splits, syncAxes: sync, scale: 0.1, offset: 1),
        ParameterSpec(
          name: "beta", shape: [channels], splits: splits, syncAxes: sync, scale: 0.1, offset: 0),
      ]
    default:
      return []
    }
  }
}

/// Deterministic pseudo-random initial values: a function of (seed, tensor name,
/// element index) only, so every strategy, and every shard, sees the same model.
enum InitialValues {
  /// A 64-bit key for a tensor name under a seed (FNV-1a).
  static func key(_ name: String, seed: UInt64) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
    for byte in name.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }

  /// Uniform in [-1, 1) for element `index` of the tensor with `key` (SplitMix64).
  @inline(__always)
  static func uniform(key: UInt64, index: Int) -> Float {
    var z = key &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Float(z >> 40) / Float(1 << 23) - 1
  }

  /// Fills `tensor`, the block `block` of a whole tensor of `shape`, with
  /// `value(i)` of each element's flat index `i` in the whole tensor.
  static func fill(_ tensor: DeviceTensor, shape: [Int], block: ShardBlock, _ value: (Int) -> Float)
  {
    let local = tensor.shape
    let offsets = block.offsets(shape)
    let rank = shape.count
    guard rank > 0 else {
      tensor.pointer.pointee = value(0)
      return
    }
    // One contiguous run per row of the last axis.
    let run = local[rank - 1]
    guard run > 0 else { return }
    var counter = Array(repeating: 0, count: rank)
    var position = 0
    let pointer = tensor.pointer
    while position < tensor.count {
      var flat = 0
      for axis in 0..<(rank - 1) { flat = flat * shape[axis] + counter[axis] + offsets[axis] }
      flat = flat * shape[rank - 1] + offsets[rank - 1]
      for i in 0..<run { pointer[position + i] = value(flat + i) }
      position += run
      var axis = rank - 2
      while axis >= 0 {
        counter[axis] += 1
        if counter[axis] < local[axis] { break }
        counter[axis] = 0
        axis -= 1
      }
      if axis < 0 { break }
    }
  }
}
