/// The costs of a set of operators and edges on one device, per micro-batch
/// (times) or per device (bytes); the building block of stage costs.
public struct StageTally: Hashable, Sendable {
  /// Forward compute seconds.
  public var forward = 0.0
  /// Backward compute seconds.
  public var backward = 0.0
  /// Recomputation seconds.
  public var recompute = 0.0
  /// Re-layout (tensor/sequence-parallel) collective seconds, forward and backward.
  public var tensorParallel = 0.0
  /// Exposed ZeRO-3 gather seconds.
  public var parameterGather = 0.0
  /// Exposed gradient synchronisation seconds per iteration.
  public var gradientSyncExposed = 0.0
  /// All gradient synchronisation seconds per iteration.
  public var gradientSync = 0.0
  /// Optimizer step seconds per iteration.
  public var optimizerStep = 0.0
  /// Weight bytes.
  public var weightBytes = 0.0
  /// Gradient bytes.
  public var gradientBytes = 0.0
  /// Optimizer-state bytes.
  public var optimizerBytes = 0.0
  /// Saved activation bytes of one micro-batch.
  public var activationBytes = 0.0
  /// The largest transient workspace of one operator.
  public var workspaceBytes = 0.0
  /// The largest local outputs and saved activations, largest first (at most three).
  public var largestBuffers: [Evaluation.Buffer] = []

  /// An empty tally.
  public init() {}

  /// Seconds per micro-batch on the critical path (compute and exposed communication).
  public var microBatchTime: Double {
    forward + backward + recompute + tensorParallel + parameterGather
  }

  /// Bytes of model states.
  public var stateBytes: Double { weightBytes + gradientBytes + optimizerBytes }

  /// Adds one operator's cost.
  public mutating func add(_ cost: NodeCost, name: String) {
    accumulate(cost)
    var buffers = [Evaluation.Buffer(name: name, bytes: cost.outputBytes)]
    if cost.activationBytes > cost.outputBytes {
      buffers.append(Evaluation.Buffer(name: name + " (saved)", bytes: cost.activationBytes))
    }
    mergeBuffers(buffers)
  }

  /// Adds another tally (sums, and maxima for workspace and buffers).
  public mutating func add(_ other: StageTally) {
    accumulate(other)
    mergeBuffers(other.largestBuffers)
  }

  mutating func mergeBuffers(_ buffers: [Evaluation.Buffer]) {
    var merged = largestBuffers
    for buffer in buffers where !merged.contains(buffer) { merged.append(buffer) }
    largestBuffers = Array(merged.sorted { ($0.bytes, $1.name) > ($1.bytes, $0.name) }.prefix(3))
  }

  /// Adds one operator's cost without the largest-buffer bookkeeping (the
  /// planner's screening pass, which never reports buffers).
  public mutating func accumulate(_ cost: NodeCost) {
    forward += cost.forward
    backward += cost.backward
    recompute += cost.recompute
    parameterGather += cost.parameterGatherExposed
    gradientSyncExposed += cost.gradientSyncExposed
    gradientSync += cost.gradientSync
    optimizerStep += cost.optimizerStep
    weightBytes += cost.weightBytes
    gradientBytes += cost.gradientBytes
    optimizerBytes += cost.optimizerBytes
    activationBytes += cost.activationBytes
    workspaceBytes = max(workspaceBytes, cost.workspaceBytes)
  }

  /// Adds another tally's sums and maxima without the largest-buffer bookkeeping.
  public mutating func accumulate(_ other: StageTally) {
    forward += other.forward
    backward += other.backward
    recompute += other.recompute
    tensorParallel += other.tensorParallel
    parameterGather += other.parameterGather
    gradientSyncExposed += other.gradientSyncExposed
    gradientSync += other.gradientSync
    optimizerStep += other.optimizerStep
    weightBytes += other.weightBytes
    gradientBytes += other.gradientBytes
    optimizerBytes += other.optimizerBytes
    activationBytes += other.activationBytes
    workspaceBytes = max(workspaceBytes, other.workspaceBytes)
  }
}
