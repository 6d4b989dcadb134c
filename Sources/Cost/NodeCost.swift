/// Everything one operator costs per device under one configuration.
///
/// Times are per micro-batch except the ``gradientSync`` figures, which are per
/// iteration; bytes are per device.
public struct NodeCost: Hashable, Sendable {
  /// Forward compute seconds of the local shard.
  public var forward: Double = 0
  /// Backward compute seconds (input and weight gradients).
  public var backward: Double = 0
  /// Seconds spent re-running forward work in backward.
  public var recompute: Double = 0
  /// Seconds of data-parallel gradient synchronisation per iteration (all of it).
  public var gradientSync: Double = 0
  /// The part of ``gradientSync`` not hidden behind backward compute.
  public var gradientSyncExposed: Double = 0
  /// ZeRO-3 parameter gathers per micro-batch, exposed part.
  public var parameterGatherExposed: Double = 0
  /// ZeRO-3 parameter gathers per micro-batch, all of it.
  public var parameterGather: Double = 0
  /// Seconds of the optimizer step on the local parameter shard.
  public var optimizerStep: Double = 0
  /// Local parameters (after the configuration's split, before ZeRO).
  public var parameters: Double = 0
  /// Bytes of weights held.
  public var weightBytes: Double = 0
  /// Bytes of gradients held.
  public var gradientBytes: Double = 0
  /// Bytes of optimizer state held.
  public var optimizerBytes: Double = 0
  /// Bytes of activations saved for backward, per micro-batch.
  public var activationBytes: Double = 0
  /// Transient bytes while the operator runs backward (gradients of its output
  /// and inputs, gathered ZeRO-3 weights); not additive across operators.
  public var workspaceBytes: Double = 0
  /// Bytes of the local output.
  public var outputBytes: Double = 0
  /// Forward FLOPs of the local shard (model FLOPs, recomputation excluded).
  public var forwardFLOPs: Double = 0
  /// Backward FLOPs of the local shard.
  public var backwardFLOPs: Double = 0

  /// Creates an all-zero cost.
  public init() {}

  /// Compute seconds per micro-batch.
  public var compute: Double { forward + backward + recompute }

  /// Bytes of model states (weights, gradients, optimizer state).
  public var stateBytes: Double { weightBytes + gradientBytes + optimizerBytes }

  /// The additive cost the search sees: per iteration, `m` micro-batches of
  /// compute and exposed gathers plus the exposed gradient synchronisation and the
  /// optimizer step; memory is model states plus activations × micro-batches in flight.
  public func vector(microBatches m: Int, inFlight: Double) -> CostVector {
    CostVector(
      time: Double(m) * (compute + parameterGatherExposed) + gradientSyncExposed + optimizerStep,
      memory: stateBytes + activationBytes * inFlight)
  }
}
