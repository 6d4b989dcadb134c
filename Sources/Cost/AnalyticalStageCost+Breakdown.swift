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
    var cost = NodeCost()
    guard let op = node.op else { return cost }
    let inputs = graph.inputTensors(of: node)
    let output = graph.outputTensor(of: node)
    let dims = op.parallelDimensions(inputs: inputs.map(\.shape), output: output.shape)
    guard configuration.isValid(for: dims, on: mesh) else {
      cost.forward = .infinity
      return cost
    }
    let placement = configuration.placement(dimensions: dims, inputCount: inputs.count, on: mesh)
    let fb = options.dtype.activationBytes
    let local = localShard(
      op, inputs: inputs, output: output, configuration: configuration, placement: placement)
    let metrics = local.op.metrics(inputs: local.inputs, output: local.output, floatBytes: fb)
    let full = op.metrics(inputs: inputs, output: output, floatBytes: fb)
    let times = kernelTimes(local.op, inputs: local.inputs, output: local.output, metrics: metrics)
    cost.forward = times.forward
    cost.backward = times.backward
    cost.forwardFLOPs = metrics.forwardFLOPs
    cost.backwardFLOPs = metrics.backwardFLOPs
    cost.outputBytes = local.output.byteCount(floatBytes: fb)
    let inputBytes = local.inputs.reduce(0) { $0 + $1.byteCount(floatBytes: fb) }
    cost.workspaceBytes =
      cost.outputBytes
      + local.inputs.filter(\.dtype.isFloatingPoint).reduce(0) {
        $0 + $1.byteCount(floatBytes: fb)
      }

    if op.kind == .attention {
      // The score matrix exists while attention runs (and is rebuilt when recomputed).
      cost.workspaceBytes += max(metrics.savedActivationBytes - inputBytes, 0)
    }

    // Saved activations under the recomputation policy.
    cost.activationBytes = metrics.savedActivationBytes
    switch options.recomputation {
    case .none:
      break
    case .selective where op.kind == .attention:
      cost.activationBytes = inputBytes
      cost.recompute = times.forward
    case .selective:
      break
    case .full where insideBlock:
      cost.recompute = times.forward
      let checkpoint = graph.inputs.first
      let firstReader = graph.nodes.first { reader in
        checkpoint.map(reader.inputs.contains) ?? false
      }
      cost.activationBytes = 0
      if let checkpoint, firstReader?.name == node.name,
        let position = node.inputs.firstIndex(of: checkpoint)
      {
        cost.activationBytes = local.inputs[position].byteCount(floatBytes: fb)
      }
    case .full:
      break
    }

    // Model states, sharded by ZeRO over the parameters' replica group.
    let parameters = Double(full.parameters) / Double(max(placement.parameterSplit, 1))
    let replicas = group(alongAxes: placement.gradientSyncAxes)
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
