/// The predicted cost of one strategy: time, memory, throughput, with their
/// breakdowns. Encodes (with snake-case keys) to the JSON of `tensoropt evaluate`.
public struct Evaluation: Hashable, Sendable, Codable {
  /// The model's name.
  public var model: String
  /// The cluster's name.
  public var cluster: String
  /// Devices used.
  public var devices: Int
  /// The strategy evaluated.
  public var strategy: ParallelStrategy
  /// Samples per iteration.
  public var globalBatchSize: Int
  /// Tokens per sample (language models).
  public var sequenceLength: Int?
  /// Micro-batches per iteration per replica.
  public var microBatches: Int
  /// Seconds per iteration.
  public var timeS: Double
  /// Peak bytes on the worst device.
  public var memoryBytes: Double
  /// Bytes each device has.
  public var memoryCapacityBytes: Double
  /// Whether the peak fits in the device's memory.
  public var fits: Bool
  /// Where time and memory go.
  public var breakdown: Breakdown
  /// Samples, tokens and FLOP/s.
  public var throughput: Throughput
  /// Remarks (fallbacks, assumptions that applied).
  public var notes: [String]

  /// Where time and memory go.
  public struct Breakdown: Hashable, Sendable, Codable {
    /// Seconds by cause; they sum to ``Evaluation/timeS``.
    public var time: TimeBreakdown
    /// Bytes by kind on the worst device; they sum to ``Evaluation/memoryBytes``.
    public var memory: MemoryBreakdown
    /// The largest single buffers of one micro-batch on the worst device: an
    /// operator's output, or what it saves for backward (`"name (saved)"`).
    public var largestBuffers: [Buffer]
    /// Every pipeline stage's time per micro-batch and peak memory.
    public var stages: [StageSummary]
  }

  /// One pipeline stage at a glance.
  public struct StageSummary: Hashable, Sendable, Codable {
    /// The stage (0-based).
    public var stage: Int
    /// Seconds per micro-batch (forward, backward, recompute, communication).
    public var microBatchS: Double
    /// Peak bytes on one of its devices.
    public var peakMemoryBytes: Double
    /// Micro-batches in flight at its peak.
    public var inFlightMicroBatches: Double
  }

  /// Seconds by cause.
  public struct TimeBreakdown: Hashable, Sendable, Codable {
    /// Forward compute of the slowest stage, all micro-batches.
    public var forwardS: Double
    /// Backward compute.
    public var backwardS: Double
    /// Recomputation.
    public var recomputeS: Double
    /// Tensor-parallel (and sequence-parallel) collectives, not overlapped.
    public var tensorParallelS: Double
    /// Exposed ZeRO-3 parameter gathers.
    public var parameterGatherS: Double
    /// Pipeline point-to-point transfers, not overlapped.
    public var pipelineP2pS: Double
    /// Pipeline bubble.
    public var pipelineBubbleS: Double
    /// Exposed data-parallel gradient synchronisation.
    public var dataParallelSyncS: Double
    /// The part of the synchronisation hidden behind backward (not in the total).
    public var dataParallelSyncOverlappedS: Double
    /// Optimizer step.
    public var optimizerS: Double

    // Spelled out so that snake-case encoding writes `pipeline_p2p_s`, not `pipeline_p_2p_s`.
    enum CodingKeys: String, CodingKey {
      case forwardS, backwardS, recomputeS, tensorParallelS, parameterGatherS
      case pipelineP2pS = "pipeline_p2p_s"
      case pipelineBubbleS, dataParallelSyncS, dataParallelSyncOverlappedS, optimizerS
    }
  }

  /// Bytes by kind on the worst device.
  public struct MemoryBreakdown: Hashable, Sendable, Codable {
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
  }

  /// One buffer.
  public struct Buffer: Hashable, Sendable, Codable {
    /// The tensor's name.
    public var name: String
    /// Bytes on one device.
    public var bytes: Double
  }

  /// Throughput figures.
  public struct Throughput: Hashable, Sendable, Codable {
    /// Samples per second.
    public var samplesPerS: Double
    /// Tokens per second (samples × sequence length; samples for vision).
    public var tokensPerS: Double
    /// Model FLOPs (forward and backward, without recomputation) per second per device.
    public var modelFlopsPerSPerDevice: Double
    /// Model FLOP utilisation: the above over the device's peak in the training precision.
    public var mfu: Double
  }
}
