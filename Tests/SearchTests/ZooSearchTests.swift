import Foundation
import Testing
import TensorOptCost
import TensorOptGraph
import TensorOptImport
@testable import TensorOptSearch

/// The zoo of this repository, found from this file's path.
let zoo = ModelZoo(
  directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Models"))

func productionModels(devices: Int, dtype: DTypePolicy) -> [any StageCostModel] {
  let cluster = ClusterPreset.h100.cluster(devices: devices, devicesPerNode: 8)
  return DeviceMesh.shapes(deviceCount: devices).map {
    AnalyticalStageCost(mesh: $0, cluster: cluster, options: TrainingOptions(dtype: dtype))
  }
}

func nearlyEqual(_ a: CostVector, _ b: CostVector, tolerance: Double = 1e-9) -> Bool {
  abs(a.time - b.time) <= tolerance * max(abs(a.time), abs(b.time), 1e-30)
    && abs(a.memory - b.memory) <= tolerance * max(abs(a.memory), abs(b.memory), 1)
}

@Suite("The zoo with the production cost model")
struct ZooSearchTests {
  @Test("on the zoo's mlp over 4 devices, ft and exhaustive give the same frontier")
  func mlpFrontierMatchesExhaustive() throws {
    let model = try zoo.load("mlp")
    let graph = try model.graph(batchSize: model.defaults.globalBatchSize)
    let costModels = productionModels(devices: 4, dtype: .fp32)
    let ft = try StageSearch.frontier(of: graph, costModels: costModels)
    let exhaustive = try StageSearch.frontier(
      of: graph, costModels: costModels, options: SearchOptions(method: .exhaustive))
    #expect(ft.points.count > 1)
    #expect(ft.points.map(\.cost) == exhaustive.points.map(\.cost))
    for point in ft.points {
      let costModel = try #require(costModels.first { $0.mesh == point.strategy.mesh })
      #expect(try point.strategy.cost(in: graph, costModel: costModel) == point.cost)
    }
  }
}

extension Strategy {
  /// Whether this strategy is `configuration` (the same configuration for every
  /// operator, and for block operators in every repetition).
  func matches(_ configuration: GraphConfiguration, in graph: Graph) -> Bool {
    for (index, node) in graph.nodes.enumerated() {
      switch (node.content, configuration.nodes[index]) {
      case (.op, .op(let wanted)):
        guard operators[node.name] == wanted else { return false }
      case (.block(let block), .block(let body)):
        for (bodyIndex, bodyNode) in block.body.nodes.enumerated() {
          guard case .op(let wanted) = body.nodes[bodyIndex],
            blocks[node.name]?.operators[bodyNode.name]?.allSatisfy({ $0 == wanted }) == true
          else { return false }
        }
      default: return false
      }
    }
    return true
  }
}

extension ZooSearchTests {
  @Test("gpt2 over 8 devices: the frontier holds pure data parallelism, Megatron tensor parallelism, and mixed strategies")
  func gpt2FrontierHoldsKnownStrategies() throws {
    let model = try zoo.load("gpt2")
    let graph = try model.graph(batchSize: 8).paddingVocabulary(toMultipleOf: 128 * 8)
    let costModels = productionModels(devices: 8, dtype: .bf16)
    let clock = ContinuousClock()
    var frontier: StageFrontier!
    let elapsed = try clock.measure { frontier = try StageSearch.frontier(of: graph, costModels: costModels) }
    print("gpt2/8: \(frontier.points.count) points in \(elapsed); \(frontier.statistics)")
    var uniform: [(name: String, mesh: DeviceMesh, configuration: GraphConfiguration)] = []
    for costModel in costModels {
      let mesh = costModel.mesh
      if mesh.shape.count == 1 {
        uniform.append(("dp8", mesh, UniformLayout.megatron(graph: graph, mesh: mesh, dataAxis: 0, tensorAxis: nil)))
        uniform.append(("tp8", mesh, UniformLayout.megatron(graph: graph, mesh: mesh, dataAxis: nil, tensorAxis: 0)))
      } else {
        uniform.append(("dp\(mesh.shape[0])×tp\(mesh.shape[1])", mesh, UniformLayout.megatron(graph: graph, mesh: mesh)))
      }
    }
    var found: Set<String> = []
    for candidate in uniform {
      let costModel = try #require(costModels.first { $0.mesh == candidate.mesh })
      let expected = costModel.totalCost(of: graph, configuration: candidate.configuration)
      let point = frontier.points.first { $0.strategy.mesh == candidate.mesh && $0.strategy.matches(candidate.configuration, in: graph) }
      print("\(candidate.name): evaluate \(expected), on frontier: \(point.map { "\($0.cost)" } ?? "no")")
      if let point {
        #expect(nearlyEqual(point.cost, expected), "\(candidate.name): \(point.cost) vs \(expected)")
        found.insert(candidate.name)
      }
    }
    #expect(found.contains("dp8"))
    #expect(found.contains { $0.hasPrefix("tp") || $0.contains("×tp") })
    let mixed = frontier.points.filter { point in
      !uniform.contains { point.strategy.mesh == $0.mesh && point.strategy.matches($0.configuration, in: graph) }
        && point.strategy.configurationCounts.count > 2
    }
    #expect(!mixed.isEmpty)
  }
}
