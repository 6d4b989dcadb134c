import TensorOptGraph

/// The production ``StageCostModel``: kernel times from the device's measured
/// table or efficiency model, collectives from the topology-aware alpha-beta
/// model, memory from the ZeRO accounting of model states plus saved activations.
///
/// The stage's devices are the global devices `firstDevice ..< firstDevice +
/// mesh.deviceCount`, numbered row-major on `mesh` (so the last mesh axis groups
/// consecutive devices, inside a node when it fits).
///
/// The cost of a node is per iteration (``NodeCost/vector(microBatches:inFlight:)``):
/// `m · (forward + backward + recompute + exposed ZeRO-3 gathers) + exposed
/// gradient synchronisation + optimizer step`, and memory `states + activations ×
/// in-flight micro-batches`; `m` and the in-flight count come from ``options``.
///
/// Equal models (every stored property) price everything alike, which lets the
/// search share block bodies between stage problems (`BlockBodyMemo`).
public struct AnalyticalStageCost: StageCostModel, Hashable {
  /// The stage's devices.
  public var mesh: DeviceMesh
  /// The hardware.
  public var cluster: Cluster
  /// The global number of the mesh's device 0.
  public var firstDevice: Int
  /// Precision, optimizer, sharding, recomputation, micro-batching.
  public var options: TrainingOptions

  /// Creates a stage cost model.
  public init(
    mesh: DeviceMesh, cluster: Cluster, firstDevice: Int = 0,
    options: TrainingOptions = TrainingOptions()
  ) {
    self.mesh = mesh
    self.cluster = cluster
    self.firstDevice = firstDevice
    self.options = options
  }

  /// The per-iteration cost of `node` (see the type's notes). Whether the node
  /// sits in a repeated block (which matters for full recomputation) is inferred
  /// from `graph`'s shape: one input, one output, of the same shape.
  public func cost(of node: Node, in graph: Graph, configuration: OpConfiguration) -> CostVector {
    breakdown(
      of: node, in: graph, configuration: configuration, insideBlock: graph.looksLikeBlockBody
    )
    .vector(microBatches: options.microBatchCount, inFlight: options.inFlightMicroBatches)
  }

  /// The per-iteration re-layout cost: forward steps plus, for floating-point
  /// tensors, backward steps, each micro-batch. Memory is zero: re-layout
  /// buffers are transient (counted in the evaluator's workspace).
  public func relayoutCost(
    of tensor: Tensor, from producer: TensorLayout, to consumer: TensorLayout,
    gradientFrom consumerGradient: TensorLayout,
    gradientTo producerGradient: TensorLayout
  ) -> CostVector {
    CostVector(
      time: Double(options.microBatchCount)
        * relayoutTime(
          of: tensor, from: producer, to: consumer, gradientFrom: consumerGradient,
          gradientTo: producerGradient),
      memory: 0)
  }

  /// Seconds of one micro-batch's forward and backward re-layout of `tensor`:
  /// the steps as a device carries them out
  /// (``TensorLayout/expandedRelayout(to:totalBytes:mesh:)``).
  public func relayoutTime(
    of tensor: Tensor, from producer: TensorLayout, to consumer: TensorLayout,
    gradientFrom consumerGradient: TensorLayout,
    gradientTo producerGradient: TensorLayout
  ) -> Double {
    let bytes = tensor.byteCount(floatBytes: options.dtype.activationBytes)
    let target = consumer.withoutPartials
    var time = stepsTime(producer.expandedRelayout(to: target, totalBytes: bytes, mesh: mesh))
    if tensor.dtype.isFloatingPoint {
      time += stepsTime(
        consumerGradient.expandedRelayout(
          to: producerGradient.withoutPartials, totalBytes: bytes, mesh: mesh))
    }
    return time
  }

  /// The per-iteration cost of a tied weight used in another layout (see
  /// ``StageCostModel/tiedWeightCost(of:stored:used:gradient:)``): the user's
  /// copy (weights and gradients, in its layout, accumulated over the
  /// micro-batches) is re-laid from the owner's weight once per iteration and
  /// its gradient returned once; with equal layouts only the remaining partial
  /// sums are reduced.
  public func tiedWeightCost(
    of weight: Tensor, stored: TensorLayout, used: TensorLayout, gradient: TensorLayout
  ) -> CostVector {
    let copies = stored != used
    guard copies || gradient.isPartial.contains(true) else { return .zero }
    let elements = weight.shape.elementCountAsDouble
    let state = options.stateBytes
    var time = stepsTime(
      gradient.expandedRelayout(to: stored, totalBytes: elements * state.gradients, mesh: mesh))
    var memory = 0.0
    if copies {
      time += stepsTime(
        stored.expandedRelayout(to: used, totalBytes: elements * state.weights, mesh: mesh))
      memory = used.localBytes(elements * (state.weights + state.gradients), mesh: mesh)
    }
    return CostVector(time: time, memory: memory)
  }

  /// Seconds of a sequence of re-layout steps: each a collective over its mesh
  /// axis's group (a slice is a local copy at memory bandwidth).
  public func stepsTime(_ steps: [RelayoutStep]) -> Double {
    steps.reduce(0) { total, step in
      guard let kind = CollectiveKind(step.kind) else {
        return total + step.bytes / cluster.device.memoryBandwidth
      }
      return total
        + cluster.collectiveTime(kind, bytes: step.bytes, group: group(alongAxes: [step.meshAxis]))
    }
  }

  /// The communication group of the stage's first device along `axes`: the
  /// devices that differ from it only in those mesh coordinates.
  public func group(alongAxes axes: [Int]) -> DeviceGroup {
    var members = [0]
    for axis in axes where mesh.shape.indices.contains(axis) {
      let stride = mesh.stride(ofAxis: axis)
      var next: [Int] = []
      next.reserveCapacity(members.count * mesh.shape[axis])
      for base in members {
        for position in 0..<mesh.shape[axis] { next.append(base + position * stride) }
      }
      members = next
    }
    members.sort()
    for index in members.indices { members[index] += firstDevice }
    return cluster.group(members)
  }
}

extension Graph {
  /// Whether the graph has the shape of a repeated block's body: one input and
  /// one output of equal shape.
  public var looksLikeBlockBody: Bool {
    guard inputs.count == 1, outputs.count == 1 else { return false }
    return tensors[inputs[0]].shape.sizes == tensors[outputs[0]].shape.sizes
      && tensors[inputs[0]].dtype.isFloatingPoint
  }
}
