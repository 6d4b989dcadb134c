/// A uniform 3-D parallel strategy and its training settings, as
/// `tensoropt evaluate` takes it.
public struct ParallelStrategy: Hashable, Sendable, Codable {
  /// Data-parallel degree.
  public var dataParallel: Int
  /// Tensor-parallel degree (consecutive devices, inside a node when it fits).
  public var tensorParallel: Int
  /// Pipeline stages.
  public var pipelineStages: Int
  /// Samples per micro-batch per data-parallel replica.
  public var microBatchSize: Int
  /// The pipeline schedule.
  public var schedule: PipelineSchedule
  /// Model chunks per device (interleaved 1F1B when greater than 1).
  public var interleave: Int
  /// The recomputation policy.
  public var recomputation: Recomputation
  /// Megatron sequence parallelism in the tensor-parallel region.
  public var sequenceParallel: Bool
  /// ZeRO stage 0-3.
  public var zeroStage: Int
  /// The precision policy.
  public var dtype: DTypePolicy
  /// The optimizer.
  public var optimizer: Optimizer
  /// Whether a language model's vocabulary is padded to a multiple of 128·tp (Megatron-LM's
  /// default) so that embedding, head and loss split across tensor-parallel ranks.
  public var padsVocabulary: Bool
  /// Layers per pipeline stage (`[2, 4, 4, 2]`), summing to the model's layer
  /// count; `nil` deals them evenly (``LayerPartition/balanced(layers:chunks:)``).
  /// Only with ``interleave`` 1: interleaved chunks are always balanced.
  public var stageLayers: [Int]?

  /// Creates a strategy; only the degrees and micro-batch size are required.
  public init(
    dataParallel: Int, tensorParallel: Int = 1, pipelineStages: Int = 1, microBatchSize: Int,
    schedule: PipelineSchedule = .oneForwardOneBackward, interleave: Int = 1,
    recomputation: Recomputation = .none,
    sequenceParallel: Bool = false, zeroStage: Int = 0, dtype: DTypePolicy = .bf16,
    optimizer: Optimizer = .adam,
    padsVocabulary: Bool = true, stageLayers: [Int]? = nil
  ) {
    self.dataParallel = dataParallel
    self.tensorParallel = tensorParallel
    self.pipelineStages = pipelineStages
    self.microBatchSize = microBatchSize
    self.schedule = schedule
    self.interleave = interleave
    self.recomputation = recomputation
    self.sequenceParallel = sequenceParallel
    self.zeroStage = zeroStage
    self.dtype = dtype
    self.optimizer = optimizer
    self.padsVocabulary = padsVocabulary
    self.stageLayers = stageLayers
  }

  /// The multiple the vocabulary is padded to: 128 · tp, or 1 when not padding.
  public var vocabularyMultiple: Int { padsVocabulary ? 128 * tensorParallel : 1 }

  /// Devices used: `dp · tp · pp`.
  public var deviceCount: Int { dataParallel * tensorParallel * pipelineStages }
}
