import TensorOptGraph

extension AnalyticalStageCost {
  /// Everything `node` costs per device under `configuration`.
  ///
  /// Compute runs on the local shard: shapes are cut by the configuration's
  /// layouts (attention heads and embedding rows by their split), so GEMM
  /// efficiency sees the shard's shape. Parameters are the operator's divided by
  /// the placement's ``OperatorPlacement/parameterSplit``; ZeRO then divides
  /// states by the size of the parameters' replica group (the devices of the
  /// placement's gradient-sync axes). `insideBlock` decides whether full
  /// recomputation applies. A block node or an invalid configuration costs
  /// nothing and infinite time respectively.
  public func breakdown(
    of node: Node, in graph: Graph, configuration: OpConfiguration, insideBlock: Bool
  ) -> NodeCost {
    guard
      let shard = shardCost(
        of: node, in: graph, configuration: configuration, insideBlock: insideBlock)
    else { return NodeCost() }
    return breakdown(of: shard)
  }

  /// Everything an operator with the option-independent cost `shard` costs per
  /// device under ``options`` (see ``breakdown(of:in:configuration:insideBlock:)``).
  public func breakdown(of shard: OperatorShardCost) -> NodeCost {
    var cost = NodeCost()
    guard shard.isValid else {
      cost.forward = .infinity
      return cost
    }
    cost.forward = shard.forward
    cost.backward = shard.backward
    cost.forwardFLOPs = shard.forwardFLOPs
    cost.backwardFLOPs = shard.backwardFLOPs
    cost.outputBytes = shard.outputBytes
    let inputBytes = shard.inputBytes
    cost.workspaceBytes = cost.outputBytes + shard.floatingInputBytes

    if shard.isAttention {
      // The score matrix exists while attention runs (and is rebuilt when recomputed).
      cost.workspaceBytes += max(shard.savedActivationBytes - inputBytes, 0)
    }

    // Saved activations under the recomputation policy.
    cost.activationBytes = shard.savedActivationBytes
    switch options.recomputation {
    case .none:
      break
    case .selective where shard.isAttention:
      cost.activationBytes = inputBytes
      cost.recompute = shard.forward
    case .selective:
      break
    case .full where shard.insideBlock:
      // Only the block's checkpoint (kept by its first reader) stays.
      cost.recompute = shard.forward
      cost.activationBytes = shard.checkpointBytes
    case .full:
      break
    }

    // Model states, sharded by ZeRO over the parameters' replica group.
    let parameters = shard.parameters
    let replicas = shard.replicas
    let shards = Double(replicas.size)
    let state = options.stateBytes
    let zero = options.zeroStage
    cost.parameters = parameters
    cost.weightBytes = parameters * state.weights / (zero >= 3 ? shards : 1)
    cost.gradientBytes = parameters * state.gradients / (zero >= 2 ? shards : 1)
    cost.optimizerBytes = parameters * state.optimizer / (zero >= 1 ? shards : 1)
    cost.optimizerStep =
      parameters > 0
      ? parameters * state.stepTraffic / (zero >= 1 ? shards : 1) / cluster.device.memoryBandwidth
      : 0
    guard parameters > 0, replicas.size > 1 else { return cost }

    // Gradient synchronisation and ZeRO-3 gathers (Rajbhandari et al. 2020, §7).
    let m = Double(options.microBatchCount)
    let gradients = parameters * state.gradients
    let weights = parameters * state.weights
    let allReduce = cluster.collectiveTime(.allReduce, bytes: gradients, group: replicas)
    let reduceScatter = cluster.collectiveTime(.reduceScatter, bytes: gradients, group: replicas)
    let gather = cluster.collectiveTime(.allGather, bytes: weights, group: replicas)
    let overlap = options.overlapsGradientSync
    func exposed(_ communication: Double, behind compute: Double) -> Double {
      overlap ? max(0, communication - compute) : communication
    }
    switch zero {
    case 0:
      cost.gradientSync = allReduce
      cost.gradientSyncExposed = exposed(allReduce, behind: cost.backward)
    case 1:
      cost.gradientSync = reduceScatter + gather
      cost.gradientSyncExposed = exposed(reduceScatter, behind: cost.backward) + gather
    case 2:
      cost.gradientSync = m * reduceScatter + gather
      cost.gradientSyncExposed = m * exposed(reduceScatter, behind: cost.backward) + gather
    default:
      cost.gradientSync = m * reduceScatter
      cost.gradientSyncExposed = m * exposed(reduceScatter, behind: cost.backward)
      cost.parameterGather = 2 * gather
      cost.parameterGatherExposed =
        exposed(gather, behind: cost.forward) + exposed(gather, behind: cost.backward)
      cost.workspaceBytes += 2 * weights
    }
    return cost
  }

  /// The operator and tensors one device holds under a configuration.
  func localShard(
    _ op: Operator, inputs: [Tensor], output: Tensor, configuration: OpConfiguration,
    placement: OperatorPlacement
  ) -> (op: Operator, inputs: [Tensor], output: Tensor) {
    var localOp = op
    func factor(_ name: String) -> Int {
      zip(configuration.assignments, mesh.shape).reduce(1) { $0 * ($1.0 == name ? $1.1 : 1) }
    }
    if op.kind == .attention {
      let heads = factor("heads")
      localOp.attributes.heads = max(op.attributes.heads / heads, 1)
      if op.attributes.kvHeads > 0 {
        localOp.attributes.kvHeads = max(op.attributes.kvHeads / heads, 1)
      }
    }
    if op.kind == .embedding {
      localOp.attributes.rows = max(op.attributes.rows / factor("vocab"), 1)
    }
    let localInputs = zip(inputs, placement.inputs).map { tensor, layout in
      Tensor(
        name: tensor.name, shape: layout.localShape(tensor.shape, mesh: mesh), dtype: tensor.dtype)
    }
    let localOutput = Tensor(
      name: output.name, shape: placement.output.localShape(output.shape, mesh: mesh),
      dtype: output.dtype)
    return (localOp, localInputs, localOutput)
  }
}
