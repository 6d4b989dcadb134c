import TensorOptCost
import TensorOptGraph

/// Samples, tokens and FLOP/s of a strategy (as `evaluate`'s throughput).
public struct PlanThroughput: Codable, Hashable, Sendable {
  /// Samples per second.
  public var samplesPerS: Double
  /// Tokens per second (samples for vision models).
  public var tokensPerS: Double
  /// Model FLOPs (forward and backward, without recomputation) per second per device.
  public var modelFlopsPerSPerDevice: Double
  /// Model FLOP utilisation.
  public var mfu: Double

  /// Creates figures.
  public init(samplesPerS: Double, tokensPerS: Double, modelFlopsPerSPerDevice: Double, mfu: Double)
  {
    self.samplesPerS = samplesPerS
    self.tokensPerS = tokensPerS
    self.modelFlopsPerSPerDevice = modelFlopsPerSPerDevice
    self.mfu = mfu
  }

  /// The figures of an evaluation.
  public init(_ t: Evaluation.Throughput) {
    self.init(
      samplesPerS: t.samplesPerS, tokensPerS: t.tokensPerS,
      modelFlopsPerSPerDevice: t.modelFlopsPerSPerDevice, mfu: t.mfu)
  }

  /// The figures of an iteration of `request`'s batch taking `time` seconds on
  /// `devices` devices of `cluster`, running `graph` (one micro-batch) `microBatches` times.
  init(
    request: PlanRequest, cluster: Cluster, graph: Graph, microBatches: Double, time: Double,
    devices: Int
  ) {
    let metrics = graph.totalMetrics(floatBytes: request.dtype.activationBytes)
    let samples = Double(request.batch) / time
    let perDevice =
      microBatches * (metrics.forwardFLOPs + metrics.backwardFLOPs) / time / Double(devices)
    self.init(
      samplesPerS: samples,
      tokensPerS: request.model.family == .language ? samples * Double(request.seq ?? 1) : samples,
      modelFlopsPerSPerDevice: perDevice,
      mfu: perDevice / cluster.device.peak(request.dtype.computePrecision))
  }
}

/// Bytes by kind on the worst device (as `evaluate`'s memory breakdown).
public struct PlanMemoryBreakdown: Codable, Hashable, Sendable {
  /// The pipeline stage of the worst device.
  public var stage: Int
  /// Weights.
  public var weightsBytes: Double
  /// Gradients.
  public var gradientsBytes: Double
  /// Optimizer state (fp32 master weights included).
  public var optimizerBytes: Double
  /// Saved activations of all micro-batches in flight.
  public var activationsBytes: Double
  /// Micro-batches in flight at that stage.
  public var inFlightMicroBatches: Double
  /// Transient workspace at the peak.
  public var workspaceBytes: Double

  /// Creates a breakdown.
  public init(
    stage: Int, weightsBytes: Double, gradientsBytes: Double, optimizerBytes: Double,
    activationsBytes: Double, inFlightMicroBatches: Double, workspaceBytes: Double
  ) {
    self.stage = stage
    self.weightsBytes = weightsBytes
    self.gradientsBytes = gradientsBytes
    self.optimizerBytes = optimizerBytes
    self.activationsBytes = activationsBytes
    self.inFlightMicroBatches = inFlightMicroBatches
    self.workspaceBytes = workspaceBytes
  }

  /// The breakdown of an evaluation.
  public init(_ m: Evaluation.MemoryBreakdown) {
    self.init(
      stage: m.stage, weightsBytes: m.weightsBytes, gradientsBytes: m.gradientsBytes,
      optimizerBytes: m.optimizerBytes, activationsBytes: m.activationsBytes,
      inFlightMicroBatches: m.inFlightMicroBatches, workspaceBytes: m.workspaceBytes)
  }
}

/// One pipeline stage at a glance (as `evaluate`'s stage summary).
public struct PlanStageSummary: Codable, Hashable, Sendable {
  /// The stage (0-based).
  public var stage: Int
  /// Seconds per micro-batch.
  public var microBatchS: Double
  /// Peak bytes on one of its devices.
  public var peakMemoryBytes: Double
  /// Micro-batches in flight at its peak.
  public var inFlightMicroBatches: Double

  /// Creates a summary.
  public init(
    stage: Int, microBatchS: Double, peakMemoryBytes: Double, inFlightMicroBatches: Double
  ) {
    self.stage = stage
    self.microBatchS = microBatchS
    self.peakMemoryBytes = peakMemoryBytes
    self.inFlightMicroBatches = inFlightMicroBatches
  }

  /// The summary of an evaluation's stage.
  public init(_ s: Evaluation.StageSummary) {
    self.init(
      stage: s.stage, microBatchS: s.microBatchS, peakMemoryBytes: s.peakMemoryBytes,
      inFlightMicroBatches: s.inFlightMicroBatches)
  }
}
