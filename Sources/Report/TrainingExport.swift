import TensorOptCost

/// A frontier strategy written for a training framework: the configuration
/// text, what the framework cannot express of the strategy, and — when the
/// configuration describes a different strategy — that nearest strategy's cost.
public struct TrainingExport: Codable, Hashable, Sendable {
  /// The framework.
  public var target: ExportTarget
  /// The configuration: Megatron-LM arguments, DeepSpeed JSON or torchtitan TOML.
  public var text: String
  /// The parts of the chosen strategy the framework cannot express, each
  /// naming what the configuration uses instead; empty when it is exact.
  public var limitations: [String]
  /// Settings the configuration leaves to the training script (e.g. the
  /// tensor-parallel degree for DeepSpeed), which are still those of the strategy.
  public var notes: [String]
  /// The strategy the configuration describes, when it differs from the chosen one.
  public var nearest: NearestStrategy?

  /// Creates an export.
  public init(
    target: ExportTarget, text: String, limitations: [String], notes: [String],
    nearest: NearestStrategy?
  ) {
    self.target = target
    self.text = text
    self.limitations = limitations
    self.notes = notes
    self.nearest = nearest
  }

  /// Whether the configuration expresses the chosen strategy exactly.
  public var isExact: Bool { limitations.isEmpty }
}

/// The uniform strategy a framework can express that is nearest to a chosen
/// one, and its predicted cost.
public struct NearestStrategy: Codable, Hashable, Sendable {
  /// The strategy (as `tensoropt evaluate` takes it).
  public var strategy: ParallelStrategy
  /// Its one-line summary.
  public var summary: String
  /// Predicted seconds per iteration, or `nil` when it could not be costed.
  public var timeS: Double?
  /// Predicted peak bytes per device, or `nil`.
  public var memoryBytes: Double?
  /// Whether it fits in memory, or `nil`.
  public var fits: Bool?
  /// Why it could not be costed, when it could not.
  public var problem: String?

  /// Creates a nearest strategy.
  public init(
    strategy: ParallelStrategy, summary: String, timeS: Double? = nil, memoryBytes: Double? = nil,
    fits: Bool? = nil, problem: String? = nil
  ) {
    self.strategy = strategy
    self.summary = summary
    self.timeS = timeS
    self.memoryBytes = memoryBytes
    self.fits = fits
    self.problem = problem
  }
}
