import TensorOptCost

/// One strategy of a plan with its predicted cost: time, memory, throughput,
/// their breakdowns (the categories of `evaluate`), and the strategy itself.
public struct PlanEntry: Codable, Hashable, Sendable {
  /// Seconds per iteration.
  public var timeS: Double
  /// Peak bytes on the worst device.
  public var memoryBytes: Double
  /// The bytes a device may use (the `--memory-limit`, else its capacity).
  public var memoryLimitBytes: Double
  /// Whether ``memoryBytes`` is within ``memoryLimitBytes``.
  public var fits: Bool
  /// Samples, tokens and FLOP/s.
  public var throughput: PlanThroughput
  /// Where time and memory go.
  public var breakdown: PlanBreakdown
  /// The complete strategy.
  public var strategy: PlanStrategy

  /// Creates an entry.
  public init(
    timeS: Double, memoryBytes: Double, memoryLimitBytes: Double, throughput: PlanThroughput,
    breakdown: PlanBreakdown, strategy: PlanStrategy
  ) {
    self.timeS = timeS
    self.memoryBytes = memoryBytes
    self.memoryLimitBytes = memoryLimitBytes
    self.fits = memoryBytes <= memoryLimitBytes
    self.throughput = throughput
    self.breakdown = breakdown
    self.strategy = strategy
  }
}

/// Where a strategy's time and memory go (the categories of `evaluate`).
public struct PlanBreakdown: Codable, Hashable, Sendable {
  /// Seconds by cause; they sum to the entry's time.
  public var time: PlanTimeBreakdown
  /// Bytes by kind on the worst device; they sum to the entry's memory.
  public var memory: PlanMemoryBreakdown
  /// Every pipeline stage's time per micro-batch and peak memory.
  public var stages: [PlanStageSummary]

  /// Creates a breakdown.
  public init(
    time: PlanTimeBreakdown, memory: PlanMemoryBreakdown, stages: [PlanStageSummary]
  ) {
    self.time = time
    self.memory = memory
    self.stages = stages
  }

  /// The breakdown of an evaluation.
  public init(_ breakdown: Evaluation.Breakdown) {
    self.init(
      time: PlanTimeBreakdown(breakdown.time), memory: PlanMemoryBreakdown(breakdown.memory),
      stages: breakdown.stages.map(PlanStageSummary.init))
  }
}

/// Seconds by cause, as ``Evaluation/TimeBreakdown`` (spelled with plain keys so
/// that the plan file's snake-case strategies round-trip).
public struct PlanTimeBreakdown: Codable, Hashable, Sendable {
  /// Forward compute of the slowest stage, all micro-batches.
  public var forwardS: Double
  /// Backward compute.
  public var backwardS: Double
  /// Recomputation.
  public var recomputeS: Double
  /// Tensor-parallel (re-layout) collectives, not overlapped.
  public var tensorParallelS: Double
  /// Exposed ZeRO-3 parameter gathers.
  public var parameterGatherS: Double
  /// Pipeline point-to-point transfers.
  public var pipelineTransferS: Double
  /// Pipeline bubble.
  public var pipelineBubbleS: Double
  /// Exposed data-parallel gradient synchronisation.
  public var dataParallelSyncS: Double
  /// Gradient synchronisation hidden behind backward (not in the total).
  public var dataParallelSyncOverlappedS: Double
  /// Optimizer step.
  public var optimizerS: Double

  /// Creates a breakdown.
  public init(
    forwardS: Double, backwardS: Double, recomputeS: Double, tensorParallelS: Double,
    parameterGatherS: Double, pipelineTransferS: Double, pipelineBubbleS: Double,
    dataParallelSyncS: Double, dataParallelSyncOverlappedS: Double, optimizerS: Double
  ) {
    self.forwardS = forwardS
    self.backwardS = backwardS
    self.recomputeS = recomputeS
    self.tensorParallelS = tensorParallelS
    self.parameterGatherS = parameterGatherS
    self.pipelineTransferS = pipelineTransferS
    self.pipelineBubbleS = pipelineBubbleS
    self.dataParallelSyncS = dataParallelSyncS
    self.dataParallelSyncOverlappedS = dataParallelSyncOverlappedS
    self.optimizerS = optimizerS
  }

  /// The same figures as `evaluate`'s.
  public init(_ time: Evaluation.TimeBreakdown) {
    forwardS = time.forwardS
    backwardS = time.backwardS
    recomputeS = time.recomputeS
    tensorParallelS = time.tensorParallelS
    parameterGatherS = time.parameterGatherS
    pipelineTransferS = time.pipelineP2pS
    pipelineBubbleS = time.pipelineBubbleS
    dataParallelSyncS = time.dataParallelSyncS
    dataParallelSyncOverlappedS = time.dataParallelSyncOverlappedS
    optimizerS = time.optimizerS
  }

  /// Compute alone: forward, backward, recomputation and the optimizer step.
  public var computeS: Double { forwardS + backwardS + recomputeS + optimizerS }

  /// The sum of the exposed parts: the iteration time.
  public var total: Double {
    forwardS + backwardS + recomputeS + tensorParallelS + parameterGatherS + pipelineTransferS
      + pipelineBubbleS + dataParallelSyncS + optimizerS
  }
}
