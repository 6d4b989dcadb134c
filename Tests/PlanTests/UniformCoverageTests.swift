import Foundation
import TensorOptGraph
import Testing

@testable import TensorOptCost
@testable import TensorOptImport
@testable import TensorOptPlan

/// The frontier against every uniform strategy `evaluate` can express, each costed
/// through `StrategyEvaluator.evaluate(model:...)` (the `evaluate` command's path).
@Suite("The frontier covers every uniform strategy")
struct UniformCoverageTests {
  /// Every uniform strategy on `devices` devices that `evaluate` accepts, with its evaluation.
  static func uniformEvaluations(
    model: Model, cluster: Cluster, devices: Int, batch: Int, seq: Int,
    maxTensorParallel: Int = .max
  ) -> [Evaluation] {
    let evaluator = StrategyEvaluator(cluster: cluster)
    var results: [Evaluation] = []
    for pp in 1...devices where devices % pp == 0 {
      for tp in 1...(devices / pp) where (devices / pp) % tp == 0 && tp <= maxTensorParallel {
        let dp = devices / (pp * tp)
        guard batch % dp == 0 else { continue }
        for mb in 1...(batch / dp) where (batch / dp) % mb == 0 {
          for schedule in PipelineSchedule.allCases {
            for v in [1, 2, 3, 4, 6, 8] {
              for recompute in Recomputation.allCases {
                for sp in [false, true] {
                  for zero in 0...3 {
                    let s = ParallelStrategy(
                      dataParallel: dp, tensorParallel: tp, pipelineStages: pp, microBatchSize: mb,
                      schedule: schedule, interleave: v, recomputation: recompute,
                      sequenceParallel: sp, zeroStage: zero, dtype: .bf16)
                    if let e = try? evaluator.evaluate(
                      model: model, globalBatchSize: batch, sequenceLength: seq, strategy: s)
                    {
                      results.append(e)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return results
  }

  @Test func everyFittingUniformStrategyIsCoveredByAFrontierPoint() async throws {
    let model = try ModelLoader.load("gpt-mini")
    let cluster = ClusterPreset.h100.cluster(devices: 4)
    let request = PlanRequest(
      model: model, modelSource: "gpt-mini", cluster: cluster, batch: 4, seq: 64, dtype: .bf16,
      threads: 2, candidateLimit: 0)
    let result = try await Planner(request).result(devices: 4)
    let uniform = Self.uniformEvaluations(
      model: model, cluster: cluster, devices: 4, batch: 4, seq: 64)
    #expect(uniform.count > 100)
    for e in uniform where e.memoryBytes <= cluster.device.memoryBytes {
      #expect(
        result.frontier.contains { $0.timeS <= e.timeS && $0.memoryBytes <= e.memoryBytes },
        "not covered: \(e.strategy)")
    }
  }

  /// The planner issue's acceptance case (about a minute in a debug build; set
  /// TENSOROPT_SLOW_TESTS=1 to run it).
  @Test(.enabled(if: ProcessInfo.processInfo.environment["TENSOROPT_SLOW_TESTS"] != nil))
  func gpt3On64A100sBeatsEveryUniformStrategy() async throws {
    let model = try ModelLoader.load("gpt3-175b")
    let cluster = ClusterPreset.a100With80GB.cluster(devices: 64)
    let request = PlanRequest(
      model: model, modelSource: "gpt3-175b", cluster: cluster, batch: 64, seq: 2048, dtype: .bf16,
      threads: 2, candidateLimit: 0)
    let result = try await Planner(request).result(devices: 64)
    #expect(result.frontier.contains { $0.strategy.pp > 1 && $0.strategy.tp <= 8 })
    let fastest = try #require(result.frontier.first)
    let uniform = Self.uniformEvaluations(
      model: model, cluster: cluster, devices: 64, batch: 64, seq: 2048, maxTensorParallel: 64)
    for e in uniform where e.fits {
      #expect(fastest.timeS <= e.timeS, "faster uniform strategy: \(e.strategy)")
    }
  }
}
