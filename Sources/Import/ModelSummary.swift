import TensorOptGraph

/// What `tensoropt inspect` reports about a model: sizes, parameters, FLOPs and
/// saved activations, in total and per segment (each repeated block, and each
/// run of plain operators between blocks).
///
/// Per-sample figures are per sequence for language models. Activation bytes are
/// the activations saved for the backward pass at the training dtype.
public struct ModelSummary: Codable, Hashable, Sendable {
  /// A contiguous part of the top-level graph.
  public struct Segment: Codable, Hashable, Sendable {
    /// The block node's name, or `first … last` for a run of operators.
    public var name: String
    /// `"block"` or `"ops"`.
    public var kind: String
    /// The repeated block's name (blocks only).
    public var block: String?
    /// Repetitions (1 for a run of operators).
    public var repeatCount: Int
    /// Operators, with repetitions expanded.
    public var operators: Int
    /// Parameters, all repetitions together.
    public var parameters: Int
    /// Forward FLOPs per sample, all repetitions together.
    public var flopsPerSampleForward: Double
    /// Saved activation bytes per sample, all repetitions together.
    public var activationBytesPerSample: Double

    enum CodingKeys: String, CodingKey {
      case name, kind, block, operators, parameters
      case repeatCount = "repeat"
      case flopsPerSampleForward = "flops_per_sample_forward"
      case activationBytesPerSample = "activation_bytes_per_sample"
    }
  }

  /// The model's name.
  public var name: String
  /// `"language"` or `"vision"`.
  public var family: String
  /// Where the model came from.
  public var source: String
  /// The batch size the graph was built with (per-sample figures divide by it).
  public var batchSize: Int
  /// The sequence length the graph was built with (language models).
  public var sequenceLength: Int?
  /// The training dtype (activation bytes use its width).
  public var dtype: String
  /// The model's default global batch size.
  public var globalBatchSize: Int
  /// Operators with blocks expanded.
  public var operatorCount: Int
  /// Operators as stored (each block body once).
  public var storedOperatorCount: Int
  /// Repetitions of all blocks (transformer layers, ResNet bottlenecks after the first of a stage).
  public var layerCount: Int
  /// Trainable parameters (tied weights counted once).
  public var parameters: Int
  /// Forward FLOPs per sample (per sequence for language models).
  public var flopsPerSampleForward: Double
  /// Backward FLOPs per sample.
  public var flopsPerSampleBackward: Double
  /// Bytes of activations saved for backward, per sample.
  public var activationBytesPerSample: Double
  /// The top-level graph in segments.
  public var segments: [Segment]

  enum CodingKeys: String, CodingKey {
    case name, family, source, dtype, parameters, segments
    case batchSize = "batch_size"
    case sequenceLength = "sequence_length"
    case globalBatchSize = "global_batch_size"
    case operatorCount = "operator_count"
    case storedOperatorCount = "stored_operator_count"
    case layerCount = "layer_count"
    case flopsPerSampleForward = "flops_per_sample_forward"
    case flopsPerSampleBackward = "flops_per_sample_backward"
    case activationBytesPerSample = "activation_bytes_per_sample"
  }

  /// Summarises `model` built for `batchSize` samples of `sequenceLength` tokens
  /// (the model's default when `nil`).
  ///
  /// - Throws: whatever building the graph throws (``ModelLoadError`` for imported models).
  public init(model: Model, batchSize: Int = 1, sequenceLength: Int? = nil) throws {
    let sequence = sequenceLength ?? model.defaults.sequenceLength
    let graph = try model.graph(batchSize: batchSize, sequenceLength: sequence)
    let floatBytes = model.defaults.dtype.byteCount
    let perSample = 1 / Double(max(batchSize, 1))
    let totals = graph.totalMetrics(floatBytes: floatBytes)
    name = model.name
    family = model.family.rawValue
    source = model.source
    self.batchSize = batchSize
    self.sequenceLength = model.family == .language ? sequence : nil
    dtype = model.defaults.dtype.rawValue
    globalBatchSize = model.defaults.globalBatchSize
    operatorCount = graph.expandedOperatorCount
    storedOperatorCount = Self.storedOperators(graph)
    layerCount = graph.layerCount
    parameters = totals.parameters
    flopsPerSampleForward = totals.forwardFLOPs * perSample
    flopsPerSampleBackward = totals.backwardFLOPs * perSample
    activationBytesPerSample = totals.savedActivationBytes * perSample

    var segments: [Segment] = []
    var run: [Node] = []
    func flush() {
      guard let first = run.first, let last = run.last else { return }
      let metrics = run.reduce(into: OperatorMetrics()) {
        $0 += graph.metrics(of: $1, floatBytes: floatBytes)
      }
      segments.append(
        Segment(
          name: run.count == 1 ? first.name : "\(first.name) … \(last.name)", kind: "ops",
          block: nil, repeatCount: 1,
          operators: run.count, parameters: metrics.parameters,
          flopsPerSampleForward: metrics.forwardFLOPs * perSample,
          activationBytesPerSample: metrics.savedActivationBytes * perSample))
      run.removeAll()
    }
    for node in graph.nodes {
      guard let block = node.block else {
        run.append(node)
        continue
      }
      flush()
      let metrics = graph.metrics(of: node, floatBytes: floatBytes)
      segments.append(
        Segment(
          name: node.name, kind: "block", block: block.name, repeatCount: block.repeatCount,
          operators: block.body.expandedOperatorCount &* block.repeatCount,
          parameters: metrics.parameters,
          flopsPerSampleForward: metrics.forwardFLOPs * perSample,
          activationBytesPerSample: metrics.savedActivationBytes * perSample))
    }
    flush()
    self.segments = segments
  }

  private static func storedOperators(_ graph: Graph) -> Int {
    graph.nodes.reduce(0) { count, node in
      count + (node.block.map { storedOperators($0.body) } ?? 1)
    }
  }
}
