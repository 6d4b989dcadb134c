import Foundation
import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptSearch

func models(devices: Int) -> [any StageCostModel] {
  DeviceMesh.shapes(deviceCount: devices).map { SimpleStageCost(mesh: $0) }
}

@Suite("Stage search on model graphs")
struct StageSearchTests {
  @Test(
    "on mlp over 4 devices FT and exhaustive search give the same frontier",
    arguments: [64, 2048, 16384])
  func mlpFrontiersAgree(batch: Int) throws {
    let graph = try TestModels.mlp(batch: batch)
    let clock = ContinuousClock()
    var ft: StageFrontier!
    let ftTime = try clock.measure {
      ft = try StageSearch.frontier(of: graph, costModels: models(devices: 4))
    }
    var exhaustive: StageFrontier!
    let exTime = try clock.measure {
      exhaustive = try StageSearch.frontier(
        of: graph, costModels: models(devices: 4), options: SearchOptions(method: .exhaustive))
    }
    print(
      "mlp/4 batch \(batch): ft \(ftTime) exhaustive \(exTime), \(ft.points.count) points, \(exhaustive.strategyCount) strategies"
    )
    #expect(ft.points.map(\.cost) == exhaustive.points.map(\.cost))
    for point in ft.points {
      let model = SimpleStageCost(mesh: point.strategy.mesh)
      #expect(try point.strategy.cost(in: graph, costModel: model) == point.cost)
    }
  }
}

@Suite("Blocks through the IR bridge")
struct BlockSearchTests {
  static let tiny = (batch: 4, sequence: 64, hidden: 64, heads: 4, vocab: 256)

  func tinyGPT(layers: Int) throws -> Graph {
    try TestModels.gpt(layers: layers, batch: 4, sequence: 64, hidden: 64, heads: 4, vocab: 256)
  }

  @Test("FT with a composed block equals exhaustive search over the unrolled transformer")
  func transformerBlockAgreesWithBruteForce() throws {
    let graph = try tinyGPT(layers: 1)
    let ft = try StageSearch.frontier(of: graph, costModels: models(devices: 2))
    let exhaustive = try StageSearch.frontier(
      of: graph, costModels: models(devices: 2), options: SearchOptions(method: .exhaustive))
    #expect(ft.points.map(\.cost) == exhaustive.points.map(\.cost))
  }

  @Test(
    "with a tied LM head, FT equals exhaustive search and every strategy pays for the tie",
    arguments: [[2], [4]])
  func tiedHeadAgreesWithBruteForce(mesh: [Int]) throws {
    let graph = try TestModels.gpt(
      layers: 1, batch: 4, sequence: 64, hidden: 64, heads: 4, vocab: 256, tied: true)
    let costModels: [any StageCostModel] = [SimpleStageCost(mesh: DeviceMesh(mesh))]
    let ft = try StageSearch.frontier(of: graph, costModels: costModels)
    let exhaustive = try StageSearch.frontier(
      of: graph, costModels: costModels, options: SearchOptions(method: .exhaustive))
    #expect(ft.points.map(\.cost) == exhaustive.points.map(\.cost))
    let model = SimpleStageCost(mesh: DeviceMesh(mesh))
    let owner = try #require(graph.nodes.first { $0.name == "wte" })
    let head = try #require(graph.nodes.first { $0.name == "lm_head" })
    var untied = graph
    if let index = untied.nodes.firstIndex(where: { $0.name == "lm_head" }),
      case .op(var op) = untied.nodes[index].content
    {
      op.attributes.tiedTo = "no_such_operator"
      untied.nodes[index].content = .op(op)
    }
    #expect(untied.tiedPairs.isEmpty)
    var paidTies = 0
    for point in ft.points {
      #expect(try point.strategy.cost(in: graph, costModel: model) == point.cost)
      let stored = try #require(point.strategy.operators["wte"])
      let used = try #require(point.strategy.operators["lm_head"])
      // The same graph with the head tied to no operator of the graph (still
      // parameter-free) costs exactly the tie less.
      let tie = ProblemBuilder.quantized(
        model.tiedWeightCost(
          owner: owner, configuration: stored, tied: head, configuration: used, in: graph))
      let loose = try point.strategy.cost(in: untied, costModel: model)
      #expect(loose + tie == point.cost)
      if tie != .zero { paidTies += 1 }
    }
    print("tied head on \(mesh): \(ft.points.count) points, \(paidTies) with a paid tie")
  }

  @Test(
    "blocks composed by doubling equal FT over the unrolled graph",
    arguments: [(2, [4]), (3, [4]), (5, [4]), (6, [4]), (3, [2, 2])])
  func doublingEqualsUnrolled(layers: Int, mesh: [Int]) throws {
    let graph = try tinyGPT(layers: layers)
    let model = SimpleStageCost(mesh: DeviceMesh(mesh))
    let composed = try StageSearch.frontier(of: graph, costModel: model)
    let unrolled = try StageProblem(
      graph: graph, costModel: model, expandingBlocks: true, pruning: false)
    let reference = FrontierTracking().frontier(of: unrolled.configurationGraph)
    #expect(composed.points.map(\.cost) == reference.costs, "mesh \(model.mesh), \(layers) layers")
    for point in composed.points {
      // Re-cost from scratch on the unrolled, unpruned problem.
      let assignment = try unrolled.assignment(of: point.strategy)
      #expect(unrolled.configurationGraph.cost(of: assignment) == point.cost)
      #expect(point.strategy.blocks["layers"]?.operators["qkv"]?.count == layers)
    }
  }
}
