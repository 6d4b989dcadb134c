import TensorOptCost
import TensorOptPlan

/// The outer choices of a strategy as a framework will run them, with what had
/// to change (limitations) and what the framework leaves to the script (notes).
struct ExportedStrategy: Hashable, Sendable {
  var dp: Int
  var tp: Int
  var pp: Int
  var microbatch: Int
  var microBatches: Int
  var batch: Int
  var seq: Int?
  var layers: Int
  var schedule: PipelineSchedule
  var interleave: Int
  var recompute: Recomputation
  var zero: Int
  var sequenceParallel: Bool
  var dtype: DTypePolicy
  var optimizer: Optimizer
  var padsVocabulary: Bool
  /// Layers per pipeline stage when they differ between stages, else `nil`.
  var stageLayers: [Int]?
  var limitations: [String] = []
  var notes: [String] = []

  /// The choices of `entry` in `plan`, with a limitation when its operators
  /// deviate from the uniform layout (which no target expresses).
  init(plan: PlanFile, entry: PlanEntry, target: ExportTarget) {
    let s = entry.strategy
    dp = s.dp
    tp = s.tp
    pp = s.pp
    microbatch = s.microbatch
    microBatches = s.microBatches
    batch = plan.model.batch
    seq = plan.model.seq
    layers = plan.model.layers
    schedule = s.schedule
    interleave = s.interleave
    recompute = s.recompute
    zero = s.zero
    sequenceParallel = s.sequenceParallel
    dtype = plan.model.dtype
    optimizer = plan.model.optimizer
    padsVocabulary = plan.model.padsVocabulary
    stageLayers = s.unevenStageLayers
    if !s.uniformLayout {
      let names = s.deviations.isEmpty ? "some operators" : s.deviations.joined(separator: ", ")
      limitations.append(
        "per-operator layouts (\(names)) differ from the uniform Megatron layout; "
          + "\(target.displayName) splits every layer the same way, so the configuration uses the uniform layout"
      )
    }
    if s.operatorMesh.count > 1 {
      limitations.append(
        "the 2-D operator mesh \(s.operatorMesh.map(String.init).joined(separator: "x")) becomes one tensor-parallel group of \(s.tp)"
      )
    }
  }

  /// The strategy as `evaluate` takes it.
  var parallelStrategy: ParallelStrategy {
    ParallelStrategy(
      dataParallel: dp, tensorParallel: tp, pipelineStages: pp, microBatchSize: microbatch,
      schedule: schedule, interleave: interleave, recomputation: recompute,
      sequenceParallel: sequenceParallel, zeroStage: zero, dtype: dtype, optimizer: optimizer,
      padsVocabulary: padsVocabulary, stageLayers: stageLayers)
  }

  /// The one-line summary, as a plan file writes it.
  var summary: String {
    PlanStrategy.summary(of: parallelStrategy, microBatches: microBatches)
  }

  /// The split as text, e.g. `[2,4,4,2]`.
  var stageLayersText: String {
    "[" + (stageLayers ?? []).map(String.init).joined(separator: ",") + "]"
  }

  /// Records that the uneven split cannot be expressed; the configuration is balanced.
  mutating func dropStageLayers(because reason: String) {
    guard stageLayers != nil else { return }
    limit(
      "layers per stage \(stageLayersText): \(reason)",
      instead: "the balanced split (\(layers) layers over \(pp) stages)")
    stageLayers = nil
  }

  /// Records that `what` cannot be expressed and the configuration uses `instead`.
  mutating func limit(_ what: String, instead: String) {
    limitations.append("\(what); the configuration uses \(instead)")
  }
}
