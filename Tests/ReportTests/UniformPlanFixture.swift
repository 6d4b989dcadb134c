import Foundation
import TensorOptGraph

@testable import TensorOptCost
@testable import TensorOptImport
@testable import TensorOptPlan

/// Plan files built in code from uniform strategies costed by `StrategyEvaluator`
/// (the planner is not needed): the frontier is the Pareto set of those that fit.
enum UniformPlanFixture {
  /// One costed uniform strategy as a plan entry.
  static func entry(
    model: Model, cluster: Cluster, batch: Int, seq: Int?, strategy: ParallelStrategy
  ) throws -> PlanEntry {
    let evaluation = try StrategyEvaluator(cluster: cluster).evaluate(
      model: model, globalBatchSize: batch, sequenceLength: seq, strategy: strategy)
    var graph = try model.graph(
      batchSize: strategy.dataParallel * strategy.microBatchSize, sequenceLength: seq)
    if model.family == .language {
      graph = graph.paddingVocabulary(toMultipleOf: strategy.vocabularyMultiple)
    }
    return PlanEntry(
      timeS: evaluation.timeS, memoryBytes: evaluation.memoryBytes,
      memoryLimitBytes: cluster.device.memoryBytes,
      throughput: PlanThroughput(evaluation.throughput),
      breakdown: PlanBreakdown(evaluation.breakdown),
      strategy: .uniform(strategy, graph: graph, microBatches: evaluation.microBatches))
  }

  /// A plan whose results hold the given strategies per device count: the
  /// Pareto set of those that fit as the frontier, of those that do not as
  /// infeasible, and the rest as candidates.
  static func plan(
    source: String, preset: ClusterPreset, batch: Int? = nil, seq: Int? = nil,
    strategies: [Int: [ParallelStrategy]]
  ) throws -> PlanFile {
    let model = try ModelLoader.load(source)
    let batch = batch ?? model.defaults.globalBatchSize
    let seq = model.family == .language ? (seq ?? model.defaults.sequenceLength) : nil
    var results: [PlanResult] = []
    var layers = 0
    var dtype = DTypePolicy.bf16
    for (devices, list) in strategies.sorted(by: { $0.key < $1.key }) {
      let cluster = preset.cluster(devices: devices)
      var entries: [PlanEntry] = []
      for strategy in list {
        if let entry = try? entry(
          model: model, cluster: cluster, batch: batch, seq: seq, strategy: strategy)
        {
          entries.append(entry)
          dtype = strategy.dtype
        }
      }
      let graph = try model.graph(batchSize: 1, sequenceLength: seq)
      layers = graph.layerCount
      let fitting = entries.filter(\.fits)
      let frontier = pareto(fitting)
      let infeasible = pareto(entries.filter { !$0.fits })
      let chosen = Set(frontier + infeasible)
      let candidates = entries.filter { !chosen.contains($0) }.map {
        PlanCandidate(
          timeS: $0.timeS, memoryBytes: $0.memoryBytes, fits: $0.fits, summary: $0.strategy.summary)
      }
      results.append(
        PlanResult(
          devices: devices, frontier: frontier, infeasible: infeasible, candidates: candidates,
          statistics: PlanStatistics(combinations: list.count, evaluated: entries.count)))
    }
    let largest = strategies.keys.max() ?? 1
    return PlanFile(
      model: PlannedModel(
        name: model.name, source: source, family: model.family, batch: batch, seq: seq,
        dtype: dtype, layers: layers),
      cluster: PlannedCluster(cluster: preset.cluster(devices: largest), preset: preset.rawValue),
      settings: PlanSettings(devices: strategies.keys.sorted(), search: "exhaustive"),
      results: results)
  }

  /// The entries no other entry beats in both time and memory.
  static func pareto(_ entries: [PlanEntry]) -> [PlanEntry] {
    let sorted = entries.sorted { ($0.timeS, $0.memoryBytes) < ($1.timeS, $1.memoryBytes) }
    var result: [PlanEntry] = []
    for entry in sorted where entry.memoryBytes < (result.last?.memoryBytes ?? .infinity) {
      result.append(entry)
    }
    return result
  }

  /// Every uniform strategy on `devices` devices for a model with `layers`
  /// layers and global batch `batch`: degree factorisations, micro-batch sizes,
  /// schedules, recomputation and ZeRO stages.
  static func space(devices: Int, batch: Int, layers: Int, dtype: DTypePolicy = .bf16)
    -> [ParallelStrategy]
  {
    var result: [ParallelStrategy] = []
    let divisors = (1...devices).filter { devices % $0 == 0 }
    for tp in divisors where tp <= 8 {
      for pp in divisors where devices % (tp * pp) == 0 && (pp == 1 || layers % pp == 0) {
        let dp = devices / (tp * pp)
        guard batch % dp == 0 else { continue }
        for microbatch in [1, 2, 4, 8] where (batch / dp) % microbatch == 0 {
          for schedule in pp == 1
            ? [PipelineSchedule.oneForwardOneBackward] : [.gpipe, .oneForwardOneBackward]
          {
            for recompute in Recomputation.allCases {
              for zero in dp == 1 ? [0] : [0, 1, 3] {
                result.append(
                  ParallelStrategy(
                    dataParallel: dp, tensorParallel: tp, pipelineStages: pp,
                    microBatchSize: microbatch, schedule: schedule, recomputation: recompute,
                    sequenceParallel: tp > 1, zeroStage: zero, dtype: dtype))
              }
            }
          }
        }
      }
    }
    return result
  }

  /// gpt-mini on 8 h100-80g: one uniform strategy dp2 tp2 pp2 (exactly
  /// expressible by every export target but torchtitan, which needs sequence
  /// parallelism), as in the plan-format tests.
  static func gptMiniUniform(
    sequenceParallel: Bool = false, zero: Int = 1, recompute: Recomputation = .selective
  ) throws -> PlanFile {
    try plan(
      source: "gpt-mini", preset: .h100, batch: 8, seq: 128,
      strategies: [
        8: [
          ParallelStrategy(
            dataParallel: 2, tensorParallel: 2, pipelineStages: 2, microBatchSize: 1,
            recomputation: recompute, sequenceParallel: sequenceParallel, zeroStage: zero,
            dtype: .bf16)
        ]
      ])
  }
}
