import TensorOptCost
import TensorOptGraph

/// A complete strategy across stages and replicas: the outer choices (data,
/// operator and pipeline parallel degrees, micro-batching, schedule,
/// recomputation, sequence parallelism, ZeRO) and, per stage, its layer range and
/// every operator's configuration on the stage mesh.
///
/// Devices are numbered `[pp, stage mesh]` row-major: stage `s` owns devices
/// `s·dp·tp ..< (s+1)·dp·tp`, arranged as ``stageMesh`` (`[dp] + operatorMesh`,
/// the last axis on consecutive devices, inside a node when it fits), as
/// `StrategyEvaluator` numbers them.
public struct PlanStrategy: Codable, Hashable, Sendable {
  /// Data-parallel degree (the extent of stage-mesh axis ``dataAxis``).
  public var dp: Int
  /// Devices of a stage's operator mesh (the product of ``operatorMesh``).
  public var tp: Int
  /// Pipeline stages.
  public var pp: Int
  /// Samples per micro-batch per data-parallel replica.
  public var microbatch: Int
  /// Micro-batches per iteration.
  public var microBatches: Int
  /// `gpipe` or `1f1b` (interleaved when ``interleave`` > 1).
  public var schedule: PipelineSchedule
  /// Model chunks per device (interleaved 1F1B when greater than 1).
  public var interleave: Int
  /// Activation recomputation.
  public var recompute: Recomputation
  /// ZeRO stage 0-3.
  public var zero: Int
  /// Megatron sequence parallelism in the tensor-parallel region.
  public var sequenceParallel: Bool
  /// The mesh every stage's operator configurations refer to.
  public var stageMesh: [Int]
  /// The stage-mesh axis the data-parallel replicas lie along (0).
  public var dataAxis: Int
  /// The operator mesh: ``stageMesh`` without the data axis.
  public var operatorMesh: [Int]
  /// Whether every operator uses the uniform Megatron layout
  /// (`UniformLayout.megatron` on `[dp, tp]`): such a strategy is exactly what
  /// `evaluate --dp --tp --pp ...` costs.
  public var uniformLayout: Bool
  /// Operators (qualified `block/op` inside blocks) whose configuration differs
  /// from the uniform layout somewhere, sorted; empty when ``uniformLayout``.
  public var deviations: [String]
  /// Each stage's layers and operator configurations, by stage.
  public var stages: [PlanStage]
  /// The one-line form, e.g. `dp4 tp2 pp1 mb2 1f1b recompute=sel zero1`.
  public var summary: String

  /// Creates a strategy; ``summary`` is derived.
  public init(
    dp: Int, tp: Int, pp: Int, microbatch: Int, microBatches: Int, schedule: PipelineSchedule,
    interleave: Int = 1, recompute: Recomputation = .none, zero: Int = 0,
    sequenceParallel: Bool = false, stageMesh: [Int], dataAxis: Int = 0, uniformLayout: Bool,
    deviations: [String] = [], stages: [PlanStage]
  ) {
    self.dp = dp
    self.tp = tp
    self.pp = pp
    self.microbatch = microbatch
    self.microBatches = microBatches
    self.schedule = schedule
    self.interleave = interleave
    self.recompute = recompute
    self.zero = zero
    self.sequenceParallel = sequenceParallel
    self.stageMesh = stageMesh
    self.dataAxis = dataAxis
    self.operatorMesh = stageMesh.enumerated().filter { $0.offset != dataAxis }.map(\.element)
    self.uniformLayout = uniformLayout
    self.deviations = deviations.sorted()
    self.stages = stages
    self.summary = ""
    self.summary = Self.summary(of: self)
  }

  /// The `evaluate` strategy with the same outer choices and layers per stage
  /// (`--stage-layers` when uneven); exact for a ``uniformLayout`` strategy (the
  /// per-op configurations are then the ones `evaluate` derives).
  public func parallelStrategy(dtype: DTypePolicy, optimizer: Optimizer, padsVocabulary: Bool)
    -> ParallelStrategy
  {
    ParallelStrategy(
      dataParallel: dp, tensorParallel: tp, pipelineStages: pp, microBatchSize: microbatch,
      schedule: schedule, interleave: interleave, recomputation: recompute,
      sequenceParallel: sequenceParallel, zeroStage: zero, dtype: dtype, optimizer: optimizer,
      padsVocabulary: padsVocabulary, stageLayers: unevenStageLayers)
  }

  /// The one-line description of a uniform strategy (see ``summary(of:)``).
  public static func summary(of s: ParallelStrategy, microBatches: Int) -> String {
    summary(
      of: PlanStrategy(
        dp: s.dataParallel, tp: s.tensorParallel, pp: s.pipelineStages,
        microbatch: s.microBatchSize,
        microBatches: microBatches, schedule: s.schedule, interleave: s.interleave,
        recompute: s.recomputation, zero: s.zeroStage, sequenceParallel: s.sequenceParallel,
        stageMesh: [s.dataParallel, s.tensorParallel], uniformLayout: true,
        stages: (s.stageLayers ?? []).enumerated().map { stage, count in
          PlanStage(stage: stage, firstDevice: 0, layers: [[0, count]], operators: [:])
        }))
  }

  /// Layers per stage when the stages run different numbers of layers
  /// (interleave 1), else `nil`.
  public var unevenStageLayers: [Int]? {
    guard pp > 1, interleave == 1, stages.count == pp else { return nil }
    let counts = stages.map { stage in
      stage.layers.reduce(0) { $0 + max(($1.last ?? 0) - ($1.first ?? 0), 0) }
    }
    return Set(counts).count > 1 ? counts : nil
  }

  /// The one-line description: `dp4 tp2 pp1 mb2 1f1b recompute=sel zero1`, with
  /// the layers per stage when they differ (`pp4[2,4,4,2]`), `sp` for sequence parallelism, `v2` for interleaving, the operator mesh when
  /// it has two axes (`tp8[2x4]`) and `*` when operators deviate from the
  /// uniform layout.
  public static func summary(of s: PlanStrategy) -> String {
    var parts = ["dp\(s.dp)"]
    let mesh =
      s.operatorMesh.count > 1
      ? "[" + s.operatorMesh.map(String.init).joined(separator: "x") + "]" : ""
    parts.append("tp\(s.tp)\(mesh)")
    parts.append(
      "pp\(s.pp)"
        + (s.unevenStageLayers.map { "[" + $0.map(String.init).joined(separator: ",") + "]" } ?? "")
    )
    parts.append("mb\(s.microbatch)")
    parts.append(
      s.schedule == .gpipe ? "gpipe" : s.interleave > 1 ? "1f1b-v\(s.interleave)" : "1f1b")
    let recompute =
      ["none": "none", "selective": "sel", "full": "full"][s.recompute.rawValue] ?? ""
    parts.append("recompute=\(recompute)")
    parts.append("zero\(s.zero)")
    if s.sequenceParallel { parts.append("sp") }
    if !s.uniformLayout { parts.append("*") }
    return parts.joined(separator: " ")
  }
}
