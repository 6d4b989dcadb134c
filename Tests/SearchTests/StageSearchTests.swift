import Foundation
import Testing
import TensorOptCost
import TensorOptGraph
@testable import TensorOptSearch

func models(devices: Int) -> [any StageCostModel] {
  DeviceMesh.shapes(deviceCount: devices).map { SimpleStageCost(mesh: $0) }
}

@Suite("Stage search on model graphs")
struct StageSearchTests {
  @Test("on mlp over 4 devices FT and exhaustive search give the same frontier", arguments: [64, 2048, 16384])
  func mlpFrontiersAgree(batch: Int) throws {
    let graph = try TestModels.mlp(batch: batch)
    let clock = ContinuousClock()
    var ft: StageFrontier!
    let ftTime = try clock.measure { ft = try StageSearch.frontier(of: graph, costModels: models(devices: 4)) }
    var exhaustive: StageFrontier!
    let exTime = try clock.measure {
      exhaustive = try StageSearch.frontier(
        of: graph, costModels: models(devices: 4), options: SearchOptions(method: .exhaustive))
    }
    print("mlp/4 batch \(batch): ft \(ftTime) exhaustive \(exTime), \(ft.points.count) points, \(exhaustive.strategyCount) strategies")
    #expect(ft.points.map(\.cost) == exhaustive.points.map(\.cost))
    for point in ft.points {
      let model = SimpleStageCost(mesh: point.strategy.mesh)
      #expect(try point.strategy.cost(in: graph, costModel: model) == point.cost)
    }
  }
}
