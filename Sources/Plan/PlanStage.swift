import TensorOptGraph

/// One pipeline stage of a ``PlanStrategy``: its devices, its layers, and the
/// configuration of every operator it runs.
///
/// Configurations are written as `OpConfiguration.description` (`"batch,out"`:
/// one entry per stage-mesh axis, `rep` for replication); boundary-tensor layouts
/// as `TensorLayout.description` (`"S0,R"`).
public struct PlanStage: Codable, Hashable, Sendable {
  /// The stage number (0-based).
  public var stage: Int
  /// The global number of the stage's device 0.
  public var firstDevice: Int
  /// The half-open ranges `[start, end)` of model layers (block repetitions,
  /// counted over the whole model) the stage runs, one per model chunk.
  public var layers: [[Int]]
  /// Top-level operators the stage runs, by node name.
  public var operators: [String: String]
  /// Layouts of top-level block-boundary tensors chosen by the search, by tensor
  /// name (empty for a uniform strategy).
  public var tensors: [String: String]
  /// The choices inside each repeated block the stage runs part of, by block name.
  public var blocks: [String: PlanBlockChoices]

  /// Creates a stage.
  public init(
    stage: Int, firstDevice: Int, layers: [[Int]], operators: [String: String],
    tensors: [String: String] = [:], blocks: [String: PlanBlockChoices] = [:]
  ) {
    self.stage = stage
    self.firstDevice = firstDevice
    self.layers = layers
    self.operators = operators
    self.tensors = tensors
    self.blocks = blocks
  }
}

/// A stage's choices inside one repeated block: for each body operator, its
/// configuration in each of the stage's repetitions (in increasing order),
/// compressed into runs.
public struct PlanBlockChoices: Codable, Hashable, Sendable {
  /// The repetitions of the block this stage runs: half-open ranges
  /// `[start, end)` within the block (several with interleaving).
  public var repetitions: [[Int]]
  /// For each body operator, runs of configurations over the stage's repetitions.
  public var operators: [String: [PlanRun]]
  /// Runs of layouts of the tensors between consecutive repetitions (empty: as produced).
  public var boundaries: [PlanRun]

  /// Creates block choices.
  public init(repetitions: [[Int]], operators: [String: [PlanRun]], boundaries: [PlanRun] = []) {
    self.repetitions = repetitions
    self.operators = operators
    self.boundaries = boundaries
  }

  /// The same configuration in every repetition.
  public init(repetitions: [[Int]], uniform operators: [String: OpConfiguration]) {
    let count = repetitions.reduce(0) { $0 + max(($1.last ?? 0) - ($1.first ?? 0), 0) }
    self.init(
      repetitions: repetitions,
      operators: operators.mapValues { [PlanRun(count: count, value: $0.description)] })
  }

  /// The number of repetitions this stage runs.
  public var repeatCount: Int {
    repetitions.reduce(0) { $0 + max(($1.last ?? 0) - ($1.first ?? 0), 0) }
  }

  /// The configuration of `op` in every repetition, expanded, or `nil` when the
  /// block has no such operator.
  public func configurations(of op: String) -> [String]? {
    operators[op].map { $0.flatMap { Array(repeating: $0.value, count: $0.count) } }
  }
}

/// `count` consecutive repetitions with the same `value`.
public struct PlanRun: Codable, Hashable, Sendable {
  /// How many repetitions.
  public var count: Int
  /// The configuration or layout.
  public var value: String

  /// Creates a run.
  public init(count: Int, value: String) {
    self.count = count
    self.value = value
  }

  /// The runs of `values`.
  public static func runs(_ values: [String]) -> [PlanRun] {
    var result: [PlanRun] = []
    for value in values {
      if let last = result.last, last.value == value {
        result[result.count - 1].count += 1
      } else {
        result.append(PlanRun(count: 1, value: value))
      }
    }
    return result
  }
}

extension OpConfiguration {
  /// Parses the `description` form: comma-separated dimension names, `rep` for
  /// a replicated axis (`"batch,out"`, `"rep,heads"`).
  public init(parsing text: String) {
    self.init(
      text.split(separator: ",", omittingEmptySubsequences: false).map {
        $0 == "rep" ? nil : String($0)
      })
  }
}
