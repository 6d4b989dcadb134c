import TensorOptCost
import TensorOptGraph
import TensorOptSearch

/// What the planner is asked: a model at a batch and sequence length, a
/// cluster, and the limits of the search.
public struct PlanRequest: Sendable {
  /// The model.
  public var model: Model
  /// What the user named (zoo name or path), recorded in the plan file.
  public var modelSource: String
  /// The hardware; its device count is ignored (each search sizes it).
  public var cluster: Cluster
  /// Samples per iteration.
  public var batch: Int
  /// Tokens per sample (language models); `nil` for the model's default.
  public var seq: Int?
  /// The training precision.
  public var dtype: DTypePolicy
  /// The optimizer.
  public var optimizer: Optimizer
  /// Pad a language model's vocabulary to a multiple of 128·tp, as `evaluate` does.
  public var padsVocabulary: Bool
  /// Bytes a device may use; `nil` for the device's capacity.
  public var memoryLimitBytes: Double?
  /// The largest operator mesh (tensor-parallel degree), or `nil`.
  public var maxTensorParallel: Int?
  /// The most pipeline stages, or `nil`.
  public var maxPipelineStages: Int?
  /// The ε of the operator-level search (0 = exact).
  public var epsilon: Double
  /// Worker tasks; results do not depend on it.
  public var threads: Int
  /// The most non-frontier candidates kept per device count (for plots).
  public var candidateLimit: Int
  /// FT or exhaustive search for the operator-level part.
  public var search: SearchMethod
  /// When to run the operator-level search over single-stage strategies.
  public var operatorSearch: OperatorSearchPolicy

  /// Creates a request.
  public init(
    model: Model, modelSource: String, cluster: Cluster, batch: Int? = nil, seq: Int? = nil,
    dtype: DTypePolicy = .bf16, optimizer: Optimizer = .adam, padsVocabulary: Bool = true,
    memoryLimitBytes: Double? = nil, maxTensorParallel: Int? = nil,
    maxPipelineStages: Int? = nil, epsilon: Double = 0, threads: Int = 1,
    candidateLimit: Int = 64, search: SearchMethod = .ft,
    operatorSearch: OperatorSearchPolicy = .automatic
  ) {
    self.search = search
    self.operatorSearch = operatorSearch
    self.model = model
    self.modelSource = modelSource
    self.cluster = cluster
    self.batch = batch ?? model.defaults.globalBatchSize
    self.seq = model.family == .language ? (seq ?? model.defaults.sequenceLength) : nil
    self.dtype = dtype
    self.optimizer = optimizer
    self.padsVocabulary = padsVocabulary
    self.memoryLimitBytes = memoryLimitBytes
    self.maxTensorParallel = maxTensorParallel
    self.maxPipelineStages = maxPipelineStages
    self.epsilon = epsilon
    self.threads = max(threads, 1)
    self.candidateLimit = candidateLimit
  }

  /// The bytes a device may use.
  public var memoryLimit: Double { memoryLimitBytes ?? cluster.device.memoryBytes }
}

/// When the planner runs the operator-level search (FT, or exhaustive search)
/// over single-stage strategies, beside the uniform layouts.
public enum OperatorSearchPolicy: String, Sendable, CaseIterable, Codable {
  /// For small graphs (at most ``automaticOperatorLimit`` operators with blocks
  /// expanded), and always with exhaustive search.
  case automatic = "auto"
  /// Always (may take long on large graphs).
  case always
  /// Never: uniform layouts only.
  case never

  /// The largest graph (operators, blocks expanded) `automatic` searches.
  public static let automaticOperatorLimit = 40
}
