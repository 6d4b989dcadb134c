/// What kind of workload a model is, which decides how throughput is reported.
public enum ModelFamily: String, Codable, Sendable, Hashable {
  /// A language model: throughput in tokens per second; FLOPs per sequence.
  case language
  /// A vision or other per-sample model: throughput in samples per second.
  case vision
}

/// Training defaults a model file carries; the command line may override each.
public struct TrainingDefaults: Hashable, Sendable {
  /// Samples per iteration across all data-parallel replicas.
  public var globalBatchSize: Int
  /// Tokens per sample, for language models.
  public var sequenceLength: Int?
  /// The training dtype of activations and weights.
  public var dtype: DType

  /// Creates training defaults.
  public init(globalBatchSize: Int, sequenceLength: Int?, dtype: DType) {
    self.globalBatchSize = globalBatchSize
    self.sequenceLength = sequenceLength
    self.dtype = dtype
  }
}

/// A model: a name, training defaults, and a way to build its graph for a given
/// (micro-)batch size and sequence length.
///
/// Shapes in model files are symbolic in the batch size and the sequence length;
/// ``graph(batchSize:sequenceLength:)`` binds them.
public struct Model: Sendable {
  /// The model's name, e.g. `"gpt2"`.
  public var name: String
  /// Language or vision.
  public var family: ModelFamily
  /// Defaults for batch, sequence and dtype.
  public var defaults: TrainingDefaults
  /// Where the model came from (a path, a zoo name, or `"built-in"`).
  public var source: String
  private let builder: @Sendable (Int, Int?) throws -> Graph

  /// Creates a model from a graph builder taking (batch size, sequence length).
  public init(
    name: String, family: ModelFamily, defaults: TrainingDefaults, source: String,
    builder: @escaping @Sendable (_ batchSize: Int, _ sequenceLength: Int?) throws -> Graph
  ) {
    self.name = name
    self.family = family
    self.defaults = defaults
    self.source = source
    self.builder = builder
  }

  /// The graph for `batchSize` samples of `sequenceLength` tokens (the model's
  /// default length when `nil`).
  public func graph(batchSize: Int, sequenceLength: Int? = nil) throws -> Graph {
    try builder(batchSize, sequenceLength ?? defaults.sequenceLength)
  }
}
