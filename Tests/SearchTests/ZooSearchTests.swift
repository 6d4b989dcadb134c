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
