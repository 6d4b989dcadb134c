import Foundation
import TensorOptCost
import TensorOptGraph
import TensorOptImport
import Testing

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

extension Strategy {
  /// The search's strategy for a uniform graph configuration: block boundaries
  /// in the steady-state layout the body produces (as `totalCost` assumes).
  init(uniform configuration: GraphConfiguration, graph: Graph, mesh: DeviceMesh) {
    self.init(mesh: mesh)
    let layouts = UniformLayout.producedLayouts(
      graph: graph, configuration: configuration, mesh: mesh)
    for (index, node) in graph.nodes.enumerated() {
      switch (node.content, configuration.nodes[index]) {
      case (.op, .op(let wanted)):
        operators[node.name] = wanted
      case (.block(let block), .block(let body)):
        let steady = (layouts[node.output] ?? .replicated(meshAxes: mesh.shape.count))
          .withoutPartials
        tensors[graph.tensors[node.output].name] = steady
        tensors[graph.tensors[node.inputs[0]].name] = steady
        var perOperator: [String: [OpConfiguration]] = [:]
        for (bodyIndex, bodyNode) in block.body.nodes.enumerated() {
          if case .op(let wanted) = body.nodes[bodyIndex] {
            perOperator[bodyNode.name] = Array(repeating: wanted, count: block.repeatCount)
          }
        }
        blocks[node.name] = BlockStrategy(
          repeatCount: block.repeatCount, operators: perOperator,
          boundaries: Array(repeating: steady, count: block.repeatCount - 1))
      default: break
      }
    }
  }
}

extension ZooSearchTests {
  /// gpt2 on 8 devices takes about 85 s in a debug build (7 s release), so it
  /// runs when `TENSOROPT_SLOW_TESTS` is set (`swift test -c release` is faster).
  @Test(
    "gpt2 over 8 devices: uniform DP and Megatron strategies cost what totalCost says and are on or behind the frontier; mixed points exist",
    .enabled(if: ProcessInfo.processInfo.environment["TENSOROPT_SLOW_TESTS"] != nil),
    arguments: [8, 64])
  func gpt2FrontierHoldsKnownStrategies(batch: Int) throws {
    let model = try zoo.load("gpt2")
    let graph = try model.graph(batchSize: batch).paddingVocabulary(toMultipleOf: 128 * 8)
    let costModels = productionModels(devices: 8, dtype: .bf16)
    let clock = ContinuousClock()
    var frontier: StageFrontier!
    let elapsed = try clock.measure {
      frontier = try StageSearch.frontier(of: graph, costModels: costModels)
    }
    print(
      "gpt2/8 batch \(batch): \(frontier.points.count) points in \(elapsed); \(frontier.statistics)"
    )
    var uniform: [(name: String, mesh: DeviceMesh, configuration: GraphConfiguration)] = []
    for costModel in costModels {
      let mesh = costModel.mesh
      if mesh.shape.count == 1 {
        uniform.append(
          (
            "dp8", mesh,
            UniformLayout.megatron(graph: graph, mesh: mesh, dataAxis: 0, tensorAxis: nil)
          ))
        uniform.append(
          (
            "tp8", mesh,
            UniformLayout.megatron(graph: graph, mesh: mesh, dataAxis: nil, tensorAxis: 0)
          ))
        uniform.append(
          (
            "tp8 sp", mesh,
            UniformLayout.megatron(
              graph: graph, mesh: mesh, dataAxis: nil, tensorAxis: 0, sequenceParallel: true)
          ))
      } else {
        uniform.append(
          (
            "dp\(mesh.shape[0])×tp\(mesh.shape[1])", mesh,
            UniformLayout.megatron(graph: graph, mesh: mesh)
          ))
        uniform.append(
          (
            "dp\(mesh.shape[0])×tp\(mesh.shape[1]) sp", mesh,
            UniformLayout.megatron(graph: graph, mesh: mesh, sequenceParallel: true)
          ))
      }
    }
    for candidate in uniform {
      let costModel = try #require(costModels.first { $0.mesh == candidate.mesh })
      let expected = costModel.totalCost(of: graph, configuration: candidate.configuration)
      let strategy = Strategy(uniform: candidate.configuration, graph: graph, mesh: candidate.mesh)
      let recosted = try strategy.cost(in: graph, costModel: costModel)
      let onFrontier = frontier.points.contains {
        $0.strategy.mesh == candidate.mesh
          && $0.strategy.matches(candidate.configuration, in: graph)
      }
      let dominator = frontier.points.first {
        $0.cost.time <= recosted.time && $0.cost.memory <= recosted.memory
      }
      print(
        "\(candidate.name): totalCost \(expected), search \(recosted), on frontier \(onFrontier), covered by \(dominator.map { "\($0.cost) \($0.strategy.summary)" } ?? "nothing")"
      )
      #expect(
        nearlyEqual(recosted, expected, tolerance: 1e-6),
        "\(candidate.name): \(recosted) vs \(expected)")
      #expect(dominator != nil, "\(candidate.name) beats the whole frontier")
    }
    let mixed = frontier.points.filter { point in
      !uniform.contains {
        point.strategy.mesh == $0.mesh && point.strategy.matches($0.configuration, in: graph)
      }
        && point.strategy.configurationCounts.count > 2
    }
    #expect(!mixed.isEmpty)
  }
}
