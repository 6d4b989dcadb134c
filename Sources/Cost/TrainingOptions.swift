/// The training settings that change what an operator costs, beyond its
/// configuration: precision, optimizer, state sharding, recomputation, and how
/// many micro-batches an iteration runs and a stage holds.
public struct TrainingOptions: Hashable, Sendable {
  /// The precision policy.
  public var dtype: DTypePolicy
  /// The optimizer.
  public var optimizer: Optimizer
  /// ZeRO stage 0 (none), 1 (optimizer state), 2 (+ gradients), 3 (+ weights).
  public var zeroStage: Int
  /// The recomputation policy.
  public var recomputation: Recomputation
  /// Micro-batches per iteration (each runs forward and backward once).
  public var microBatchCount: Int
  /// Micro-batches whose activations a stage holds at its peak.
  public var inFlightMicroBatches: Double
  /// Whether gradient synchronisation overlaps the backward pass (per operator:
  /// only the part longer than the operator's own backward is exposed).
  public var overlapsGradientSync: Bool

  /// Creates options; the defaults are fp32, Adam, no sharding, no recomputation,
  /// one micro-batch.
  public init(
    dtype: DTypePolicy = .fp32, optimizer: Optimizer = .adam, zeroStage: Int = 0,
    recomputation: Recomputation = .none, microBatchCount: Int = 1,
    inFlightMicroBatches: Double = 1,
    overlapsGradientSync: Bool = true
  ) {
    self.dtype = dtype
    self.optimizer = optimizer
    self.zeroStage = zeroStage
    self.recomputation = recomputation
    self.microBatchCount = microBatchCount
    self.inFlightMicroBatches = inFlightMicroBatches
    self.overlapsGradientSync = overlapsGradientSync
  }

  /// The per-parameter bytes of weights, gradients and optimizer state.
  public var stateBytes: StateBytes { StateBytes(dtype: dtype, optimizer: optimizer) }
}
