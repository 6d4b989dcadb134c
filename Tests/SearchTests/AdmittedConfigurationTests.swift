import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptSearch

/// ``SimpleStageCost`` that admits only the configurations `admitted` accepts.
private struct RestrictedCost: ForwardingStageCost {
  var base: SimpleStageCost
  var admitted: @Sendable (Node, OpConfiguration, DeviceMesh) -> Bool

  func admits(_ node: Node, in graph: Graph, configuration: OpConfiguration) -> Bool {
    admitted(node, configuration, mesh)
  }
}

@Suite("Configurations a cost model does not admit")
struct AdmittedConfigurationTests {
  @Test("FT never picks them and still equals exhaustive search under the same model")
  func excludedConfigurationsAreNeverPicked() throws {
    let graph = try TestModels.mlp(batch: 64, hidden: 256)
    // Only operators split over every device are admitted.
    let model = RestrictedCost(base: SimpleStageCost(mesh: DeviceMesh([4]))) { _, c, mesh in
      c.workDivisor(on: mesh) == mesh.deviceCount
    }
    let ft = try StageSearch.frontier(of: graph, costModels: [model])
    let exhaustive = try StageSearch.frontier(
      of: graph, costModels: [model], options: SearchOptions(method: .exhaustive))
    #expect(!ft.points.isEmpty)
    #expect(ft.points.map(\.cost) == exhaustive.points.map(\.cost))
    for point in ft.points {
      for (_, configuration) in point.strategy.operators {
        #expect(configuration.workDivisor(on: DeviceMesh([4])) == 4)
      }
    }
    // Unrestricted, some frontier point uses a configuration the restriction excludes.
    let free = try StageSearch.frontier(
      of: graph, costModels: [SimpleStageCost(mesh: DeviceMesh([4]))])
    #expect(
      free.points.contains { point in
        point.strategy.operators.values.contains { $0.workDivisor(on: DeviceMesh([4])) < 4 }
      })
  }

  @Test("an operator with no admitted configuration leaves no strategy")
  func noAdmittedConfigurationMeansNoStrategy() throws {
    let graph = try TestModels.mlp(batch: 64, hidden: 256)
    let victim = try #require(graph.nodes.first { $0.op != nil }?.name)
    let model = RestrictedCost(base: SimpleStageCost(mesh: DeviceMesh([2]))) { node, _, _ in
      node.name != victim
    }
    for method in [SearchMethod.ft, .exhaustive] {
      let frontier = try StageSearch.frontier(
        of: graph, costModels: [model], options: SearchOptions(method: method))
      #expect(frontier.points.isEmpty, "\(method)")
    }
  }

  @Test("conditioning on a node without configurations gives the empty frontier")
  func conditioningOnAnEmptyNode() throws {
    // K4: every node has degree 3, so FT must condition; it picks the node of
    // highest degree and fewest configurations: the empty one.
    var graph = ConfigurationGraph()
    graph.addNode(costs: [])
    for _ in 0..<3 {
      graph.addNode(costs: [CostVector(time: 1, memory: 2), CostVector(time: 2, memory: 1)])
    }
    for a in 0..<4 {
      for b in (a + 1)..<4 {
        graph.addEdge(from: a, to: b) { x, y in CostVector(time: Double(x), memory: Double(y)) }
      }
    }
    #expect(try ExhaustiveSearch().frontier(of: graph).isEmpty)
    #expect(FrontierTracking().frontier(of: graph).isEmpty)
  }
}
