/// One dimension of an operator's iteration space that may be partitioned across
/// the devices of a mesh axis.
///
/// This is the einsum view of an operator: each partitionable dimension says which
/// axis of each input and of the output it indexes. A configuration of the search
/// maps mesh axes to these dimensions (or to replication), so Megatron's column- and
/// row-parallel linear layers, data parallelism, head-parallel attention and
/// vocabulary-parallel embeddings are all points of one space.
public struct ParallelDimension: Hashable, Sendable {
  /// A short name unique within the operator: `"batch"`, `"seq"`, `"out"`, `"in"`,
  /// `"heads"`, `"vocab"`, `"channels"`, `"in_channels"`, `"height"`, `"width"`.
  public var name: String
  /// The role of the dimension.
  public var kind: DimensionKind
  /// Its extent; a mesh axis of size *k* may take it only when `size % k == 0`.
  public var size: Int
  /// Partitioning leaves each device with a partial sum of the whole output
  /// (a contraction dimension): the output must be reduced.
  public var isReduction: Bool
  /// For each input, the axis this dimension indexes, or `nil` when the input is
  /// needed whole (replicated) along it.
  public var inputAxes: [Int?]
  /// The output axis this dimension indexes (`nil` for reductions).
  public var outputAxis: Int?
  /// Partitioning divides the operator's parameters among the devices.
  public var splitsParameters: Bool

  /// Creates a partitionable dimension.
  public init(
    name: String, kind: DimensionKind, size: Int, isReduction: Bool = false,
    inputAxes: [Int?], outputAxis: Int?, splitsParameters: Bool = false
  ) {
    self.name = name
    self.kind = kind
    self.size = size
    self.isReduction = isReduction
    self.inputAxes = inputAxes
    self.outputAxis = outputAxis
    self.splitsParameters = splitsParameters
  }
}

extension Operator {
  /// The dimensions of this operator that may be partitioned across devices.
  ///
  /// Leading (batch and sequence) dimensions of per-token operators are always
  /// listed; normalised, softmaxed and convolved-over window dimensions are not.
  /// A packed attention input is laid out by key/value group (each group's query
  /// heads, then its key and value), so a contiguous split of its last axis is a
  /// split by head groups.
  public func parallelDimensions(inputs: [Shape], output: Shape) -> [ParallelDimension] {
    let rank = output.count
    let inputCount = inputs.count
    /// Output axis `axis` maps to the same axis of every input of the same rank.
    func aligned(_ axis: Int, name: String? = nil) -> ParallelDimension {
      let dimension = output[axis]
      return ParallelDimension(
        name: name ?? Self.axisName(dimension, axis: axis), kind: dimension.kind,
        size: dimension.size,
        inputAxes: inputs.map { $0.count == rank ? axis : nil }, outputAxis: axis)
    }
    func leading(_ count: Int) -> [ParallelDimension] { (0..<max(count, 0)).map { aligned($0) } }

    switch kind {
    case .gelu, .relu, .silu, .dropout, .add, .swiglu:
      return leading(rank)
    case .layerNorm, .rmsNorm, .softmax:
      return leading(rank - 1)
    case .embedding:
      var dims = (0..<(rank - 1)).map { axis in
        ParallelDimension(
          name: Self.axisName(output[axis], axis: axis), kind: output[axis].kind,
          size: output[axis].size,
          inputAxes: [axis], outputAxis: axis)
      }
      dims.append(
        ParallelDimension(
          name: "out", kind: output[rank - 1].kind, size: output[rank - 1].size,
          inputAxes: [nil], outputAxis: rank - 1, splitsParameters: true))
      dims.append(
        ParallelDimension(
          name: "vocab", kind: .vocab, size: attributes.rows, isReduction: true,
          inputAxes: [nil], outputAxis: nil, splitsParameters: true))
      return dims
    case .linear:
      guard let input = inputs.first, input.count == rank else { return [] }
      var dims = leading(rank - 1)
      dims.append(
        ParallelDimension(
          name: "out", kind: output[rank - 1].kind, size: output[rank - 1].size,
          inputAxes: [nil], outputAxis: rank - 1, splitsParameters: true))
      dims.append(
        ParallelDimension(
          name: "in", kind: input[rank - 1].kind, size: input[rank - 1].size, isReduction: true,
          inputAxes: [rank - 1], outputAxis: nil, splitsParameters: true))
      return dims
    case .matmul, .batchedMatmul:
      guard inputCount == 2, rank >= 2, inputs[0].count == rank, inputs[1].count == rank else {
        return []
      }
      var dims = leading(rank - 2)
      dims.append(
        ParallelDimension(
          name: "m", kind: output[rank - 2].kind, size: output[rank - 2].size,
          inputAxes: [rank - 2, nil], outputAxis: rank - 2))
      dims.append(
        ParallelDimension(
          name: "n", kind: output[rank - 1].kind, size: output[rank - 1].size,
          inputAxes: [nil, rank - 1], outputAxis: rank - 1))
      dims.append(
        ParallelDimension(
          name: "k", kind: inputs[0][rank - 1].kind, size: inputs[0][rank - 1].size,
          isReduction: true,
          inputAxes: [rank - 1, rank - 2], outputAxis: nil))
      return dims
    case .attention:
      guard rank >= 2 else { return [] }
      let geometry = attentionShape(input: inputs.first ?? [], output: output)
      var dims = leading(rank - 2)
      dims.append(
        ParallelDimension(
          name: "heads", kind: .heads, size: geometry.kvHeads, inputAxes: [rank - 1],
          outputAxis: rank - 1))
      return dims
    case .crossEntropy:
      guard let input = inputs.first, !input.isEmpty else { return [] }
      return input.indices.map { axis in
        let isVocab = axis == input.count - 1
        return ParallelDimension(
          name: isVocab ? "vocab" : Self.axisName(input[axis], axis: axis),
          kind: isVocab ? .vocab : input[axis].kind, size: input[axis].size, isReduction: true,
          inputAxes: [axis], outputAxis: nil)
      }
    case .conv2d:
      guard rank == 4, let input = inputs.first, input.count == 4 else { return [] }
      var dims = [aligned(0, name: "batch")]
      dims.append(
        ParallelDimension(
          name: "channels", kind: .channels, size: output[1].size, inputAxes: [nil], outputAxis: 1,
          splitsParameters: true))
      if attributes.groups == 1 {
        dims.append(
          ParallelDimension(
            name: "in_channels", kind: .channels, size: input[1].size, isReduction: true,
            inputAxes: [1],
            outputAxis: nil, splitsParameters: true))
      }
      dims.append(aligned(2, name: "height"))
      dims.append(aligned(3, name: "width"))
      return dims
    case .maxPool, .avgPool:
      guard rank == 4 else { return [] }
      return [
        aligned(0, name: "batch"), aligned(1, name: "channels"), aligned(2, name: "height"),
        aligned(3, name: "width"),
      ]
    case .batchNorm:
      guard rank == 4 else { return leading(min(rank, 2)) }
      var dims = [aligned(0, name: "batch"), aligned(1, name: "channels")]
      dims[1].splitsParameters = true
      return dims + [aligned(2, name: "height"), aligned(3, name: "width")]
    case .globalAvgPool:
      guard rank == 2 else { return [] }
      return [
        ParallelDimension(
          name: "batch", kind: .batch, size: output[0].size, inputAxes: [0], outputAxis: 0),
        ParallelDimension(
          name: "channels", kind: .channels, size: output[1].size, inputAxes: [1], outputAxis: 1),
      ]
    case .flatten, .reshape:
      guard let input = inputs.first, !input.isEmpty, rank >= 1, input[0].size == output[0].size
      else { return [] }
      return [
        ParallelDimension(
          name: "batch", kind: output[0].kind, size: output[0].size, inputAxes: [0], outputAxis: 0)
      ]
    }
  }

  static func axisName(_ dimension: Dimension, axis: Int) -> String {
    switch dimension.kind {
    case .batch: "batch"
    case .sequence: "seq"
    default: dimension.label.isEmpty ? "axis\(axis)" : dimension.label
    }
  }
}
