import TensorOptCost
import TensorOptGraph

/// The model of a plan and the settings that rebuild its graph: pass ``source``
/// to `ModelLoader.load` and build for ``batch`` samples of ``seq`` tokens.
public struct PlannedModel: Codable, Hashable, Sendable {
  /// The model's name, e.g. `"gpt2"`.
  public var name: String
  /// What the user named: a zoo name or a path, as `ModelLoader.load` takes it.
  public var source: String
  /// `language` or `vision`.
  public var family: ModelFamily
  /// Global batch size: samples per iteration over all replicas.
  public var batch: Int
  /// Tokens per sample (language models), else `nil`.
  public var seq: Int?
  /// The training precision policy.
  public var dtype: DTypePolicy
  /// The optimizer.
  public var optimizer: Optimizer
  /// Whether a language model's vocabulary is padded to a multiple of 128·tp (as `evaluate` does).
  public var padsVocabulary: Bool
  /// Repeated layers (block repetitions) of the model, the unit of stage layer ranges.
  public var layers: Int

  /// Creates a model reference.
  public init(
    name: String, source: String, family: ModelFamily, batch: Int, seq: Int?, dtype: DTypePolicy,
    optimizer: Optimizer = .adam, padsVocabulary: Bool = true, layers: Int
  ) {
    self.name = name
    self.source = source
    self.family = family
    self.batch = batch
    self.seq = seq
    self.dtype = dtype
    self.optimizer = optimizer
    self.padsVocabulary = padsVocabulary
    self.layers = layers
  }
}
