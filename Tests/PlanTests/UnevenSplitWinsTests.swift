import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan
@testable import TensorOptSearch

/// A split the uniform layouts rank second wins once each stage picks its own
/// operator configurations.
@Suite("An uneven split wins with per-stage configurations")
struct UnevenSplitWinsTests {
  /// gpt-mini (Models/) with 6 layers and a 16384-token vocabulary: the head
  /// weighs about as much as two layers.
  static func model() throws -> String {
    let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Models/gpt-mini.json")
    return try writeModelVariant(of: zoo.path, name: "gpt-mini-6x16k") { json in
      var ops = try #require(json["ops"] as? [[String: Any]])
      let layers = try #require(ops.firstIndex { $0["name"] as? String == "layers" })
      ops[layers]["repeat"] = 6
      json["ops"] = ops
      var dims = try #require(json["dims"] as? [String: Any])
      dims["vocab"] = 16384
      json["dims"] = dims
    }
  }

  /// What `plan <model> --devices 4 --gpu a100-80g --search ft` finds (fp32, the
  /// model's): its uniform frontier's pp2 family (4 micro-batches, 1F1B, no
  /// recomputation, ZeRO-3) on [3, 3], and its fastest pipeline on [4, 2].
  @Test("6 layers, 16k vocabulary, 4 devices: [4, 2] beats the uniform frontier's [3, 3]")
  func unevenSplitWins() async throws {
    let path = try Self.model()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let model = try ModelLoader.load(path)
    let cluster = ClusterPreset.a100With80GB.cluster(devices: 4)
    let request = PlanRequest(
      model: model, modelSource: path, cluster: cluster, dtype: .fp32, threads: 2)
    let strategy = ParallelStrategy(
      dataParallel: 1, tensorParallel: 2, pipelineStages: 2, microBatchSize: 2, zeroStage: 3)
    let family = try #require(PipelineFamily(strategy, microBatches: 4, layers: 6))
    #expect(family.stageLayers == [3, 3])
    // With uniform layouts (dp2, tp2, tp2 + sp) the family is faster on [3, 3].
    let evaluator = StrategyEvaluator(cluster: cluster)
    func fastestUniform(_ split: [Int]) throws -> Double {
      var best = Double.infinity
      for (dp, tp, sp) in [(2, 1, false), (1, 2, false), (1, 2, true)] {
        let s = ParallelStrategy(
          dataParallel: dp, tensorParallel: tp, pipelineStages: 2, microBatchSize: 2 / dp,
          sequenceParallel: sp, zeroStage: 3, dtype: .fp32, stageLayers: split)
        let evaluation = try evaluator.evaluate(
          model: model, globalBatchSize: 8, sequenceLength: request.seq, strategy: s)
        best = min(best, evaluation.timeS)
      }
      return best
    }
    #expect(try fastestUniform([3, 3]) < fastestUniform([4, 2]))
    // With per-stage configurations [4, 2] has the fastest pipeline, faster
    // than every pipeline of [3, 3].
    let search = StagedOperatorSearch(request: request, cluster: cluster, devices: 4)
    let own = await search.frontiers(of: [family])
    let all = await search.splitFrontiers(of: [family])
    let fastest = try #require(all.entries[0].first)
    #expect(StageSplitSearchTests.split(of: fastest) == [4, 2])
    let ownFastest = try #require(own.entries[0].map(\.timeS).min())
    #expect(fastest.timeS < ownFastest)
    // Its time and memory re-cost from its stages' configurations.
    let graph = try #require(search.graph(for: family))
    let item = try #require(search.prepare(family.with(split: [4, 2]), graph: graph))
    let costs = try FTInsidePipelineStagesTests.recosted(
      fastest, item: item, family: family, request: request, cluster: cluster,
      ties: TiedWeight.ties(in: graph))
    #expect(
      costs.contains {
        abs($0.time - fastest.timeS) <= 1e-10
          && abs($0.memory - fastest.memoryBytes) <= 1e-9 * fastest.memoryBytes
      })
  }
}
