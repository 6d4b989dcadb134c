import TensorOptGraph

/// What one operator costs per device before the training options other than
/// the precision policy apply: its local shard's kernel times and sizes, its
/// local parameters, the group they are replicated over, and the re-layouts of
/// its inputs.
///
/// ``AnalyticalStageCost/shardCost(of:in:configuration:insideBlock:producedLayouts:)``
/// computes it from the node, its graph, configuration and producer layouts, the mesh,
/// the cluster, the stage's first device and ``TrainingOptions/dtype`` alone;
/// ``AnalyticalStageCost/breakdown(of:)`` applies the other options (ZeRO
/// stage, recomputation, optimizer, micro-batches, overlap). A caller pricing
/// one operator under several such options may compute the shard cost once.
public struct OperatorShardCost: Sendable {
  /// Whether the configuration divides the operator (otherwise it costs infinite time).
  public var isValid: Bool
  /// Whether the operator sits in a repeated block (full recomputation applies).
  public var insideBlock: Bool
  /// Whether the operator is attention (its score matrix adds workspace).
  public var isAttention = false
  /// Forward seconds of the local shard.
  public var forward = 0.0
  /// Backward seconds of the local shard.
  public var backward = 0.0
  /// Forward FLOPs of the local shard.
  public var forwardFLOPs = 0.0
  /// Backward FLOPs of the local shard.
  public var backwardFLOPs = 0.0
  /// Bytes of the local output.
  public var outputBytes = 0.0
  /// Bytes of all local inputs.
  public var inputBytes = 0.0
  /// Bytes of the floating-point local inputs.
  public var floatingInputBytes = 0.0
  /// Bytes of activations the local shard saves for backward without recomputation.
  public var savedActivationBytes = 0.0
  /// Under full recomputation inside a block: the bytes of the block's input
  /// this operator keeps (its first reader keeps the checkpoint), else zero.
  public var checkpointBytes = 0.0
  /// Local parameters (after the configuration's split, before ZeRO).
  public var parameters = 0.0
  /// The devices holding replicas of the local parameters.
  public var replicas: DeviceGroup
  /// Seconds of one micro-batch's forward and backward re-layouts of the
  /// inputs, from the layouts their producers left them in, into the layouts
  /// the operator needs (``AnalyticalStageCost/relayoutTime(of:from:to:gradientFrom:gradientTo:)``).
  public var inputRelayout = 0.0

  /// The cost of an operator whose configuration does not divide it.
  static func invalid(insideBlock: Bool, on cluster: Cluster) -> Self {
    Self(isValid: false, insideBlock: insideBlock, replicas: cluster.group([]))
  }
}

extension AnalyticalStageCost {
  /// The option-independent part of `node`'s cost (see ``OperatorShardCost``),
  /// or `nil` when the node is a block. Inputs missing from `producedLayouts`
  /// (graph inputs) arrive as wanted; the other inputs' re-layouts are priced
  /// into ``OperatorShardCost/inputRelayout``.
  public func shardCost(
    of node: Node, in graph: Graph, configuration: OpConfiguration, insideBlock: Bool,
    producedLayouts: [TensorID: TensorLayout] = [:]
  ) -> OperatorShardCost? {
    guard let op = node.op else { return nil }
    let inputs = graph.inputTensors(of: node)
    let output = graph.outputTensor(of: node)
    let dims = op.parallelDimensions(inputs: inputs.map(\.shape), output: output.shape)
    guard configuration.isValid(for: dims, on: mesh) else {
      return .invalid(insideBlock: insideBlock, on: cluster)
    }
    let placement = configuration.placement(dimensions: dims, inputCount: inputs.count, on: mesh)
    let fb = options.dtype.activationBytes
    let local = localShard(
      op, inputs: inputs, output: output, configuration: configuration, placement: placement)
    let metrics = local.op.metrics(inputs: local.inputs, output: local.output, floatBytes: fb)
    let full = op.metrics(inputs: inputs, output: output, floatBytes: fb)
    let times = kernelTimes(local.op, inputs: local.inputs, output: local.output, metrics: metrics)
    var shard = OperatorShardCost(
      isValid: true, insideBlock: insideBlock,
      replicas: group(alongAxes: placement.gradientSyncAxes))
    shard.isAttention = op.kind == .attention
    shard.forward = times.forward
    shard.backward = times.backward
    shard.forwardFLOPs = metrics.forwardFLOPs
    shard.backwardFLOPs = metrics.backwardFLOPs
    shard.outputBytes = local.output.byteCount(floatBytes: fb)
    shard.inputBytes = local.inputs.reduce(0) { $0 + $1.byteCount(floatBytes: fb) }
    shard.floatingInputBytes = local.inputs.filter(\.dtype.isFloatingPoint).reduce(0) {
      $0 + $1.byteCount(floatBytes: fb)
    }
    shard.savedActivationBytes = metrics.savedActivationBytes
    if insideBlock, let checkpoint = graph.inputs.first,
      graph.nodes.first(where: { $0.inputs.contains(checkpoint) })?.name == node.name,
      let position = node.inputs.firstIndex(of: checkpoint)
    {
      shard.checkpointBytes = local.inputs[position].byteCount(floatBytes: fb)
    }
    shard.parameters = Double(full.parameters) / Double(max(placement.parameterSplit, 1))
    for (position, id) in node.inputs.enumerated() {
      guard let produced = producedLayouts[id] else { continue }
      shard.inputRelayout += relayoutTime(
        of: graph.tensors[id], from: produced, to: placement.inputs[position],
        gradientFrom: placement.inputGradients[position], gradientTo: produced)
    }
    return shard
  }

  /// The bytes one layer of a block, whose operators have the shard costs
  /// `shards`, rematerialises in backward under full recomputation (their
  /// activations saved without recomputation, summed in order); zero under
  /// other policies.
  public func rematerialisedBytes(_ shards: [OperatorShardCost?]) -> Double {
    guard options.recomputation == .full else { return 0 }
    var plain = self
    plain.options.recomputation = .none
    var all = 0.0
    for shard in shards {
      all += shard.map { plain.breakdown(of: $0).activationBytes } ?? 0
    }
    return all
  }
}
