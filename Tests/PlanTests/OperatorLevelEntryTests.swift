import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan
@testable import TensorOptSearch

/// The planner's operator-level (FT) points on a model with a tied LM head.
@Suite("Operator-level plan entries")
struct OperatorLevelEntryTests {
  static let tiedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/tiny-tied-gpt.json").path

  /// The tiny tied GPT's FT frontier on a 4-device mesh (batch 64, bf16), with
  /// the planner's operator-level search that turns its points into entries.
  static func tiedModelFrontier() throws -> (
    OperatorLevelSearch, Graph, AnalyticalStageCost, StageFrontier
  ) {
    let model = try ModelLoader.load(Self.tiedModel)
    let request = PlanRequest(
      model: model, modelSource: Self.tiedModel, cluster: ClusterPreset.h100.cluster(devices: 4),
      batch: nil, seq: nil, dtype: .bf16, memoryLimitBytes: nil, threads: 1, candidateLimit: 8)
    let search = OperatorLevelSearch(request: request, cluster: request.cluster, devices: 4)
    let graph = try model.graph(batchSize: 64, sequenceLength: request.seq)
    let costModel = AnalyticalStageCost(
      mesh: DeviceMesh([4]), cluster: request.cluster, options: TrainingOptions(dtype: .bf16))
    return (search, graph, costModel, try StageSearch.frontier(of: graph, costModel: costModel))
  }

  @Test("an FT point's memory breakdown sums to its memory, a tied head's weight copy included")
  func breakdownSumsToMemory() throws {
    let (search, graph, costModel, frontier) = try Self.tiedModelFrontier()
    let pair = try #require(graph.tiedPairs.first)
    var copies = 0
    for point in frontier.points {
      let tie = costModel.tiedWeightCost(
        owner: graph.nodes[pair.owner],
        configuration: try #require(point.strategy.operators["wte"]),
        tied: graph.nodes[pair.tied],
        configuration: try #require(point.strategy.operators["lm_head"]), in: graph)
      if tie.memory > 0 { copies += 1 }
      let entry = search.entry(point, graph: graph, model: costModel)
      let m = entry.breakdown.memory
      let sum =
        m.weightsBytes + m.gradientsBytes + m.optimizerBytes + m.activationsBytes
        + m.workspaceBytes
      #expect(abs(sum - entry.memoryBytes) <= 1e-9 * entry.memoryBytes + 64, "\(point.cost)")
    }
    // At batch 64 on 4 devices the frontier holds points whose head keeps its own
    // copy (6 of 60 when this test was written).
    #expect(copies > 0)
  }

  @Test("an FT point lists the operators it configures apart from the Megatron layout")
  func singleStagePointsListTheirDeviations() throws {
    let (search, graph, costModel, frontier) = try Self.tiedModelFrontier()
    var names: Set<String> = []
    for node in graph.nodes {
      if case .block(let block) = node.content {
        for bodyNode in block.body.nodes { names.insert("\(node.name)/\(bodyNode.name)") }
      } else {
        names.insert(node.name)
      }
    }
    var listing = 0
    for point in frontier.points {
      let deviations = search.entry(point, graph: graph, model: costModel).strategy.deviations
      #expect(deviations == deviations.sorted())
      #expect(deviations.allSatisfy(names.contains), "\(deviations)")
      if !deviations.isEmpty { listing += 1 }
    }
    // The frontier of this tiny model on 4 devices mixes layouts (before the fix,
    // no single-stage FT point listed any operator).
    #expect(listing > 0)
  }
}
