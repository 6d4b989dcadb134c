import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan
@testable import TensorOptSearch

/// FT inside pipeline stages with the stages' block bodies shared
/// (`StagedOperatorSearch.bodies`).
@Suite("Block bodies shared between pipeline stage searches")
struct SharedStageBodiesTests {
  @Test(
    "every split of several families, bounded by incumbents, finds the same pipelines with and without the memo"
  )
  func memoisedSplitSearchEqualsUnmemoised() async throws {
    let request = try FTInsidePipelineStagesTests.request(threads: 2)
    var plain = StagedOperatorSearch(
      request: request, cluster: request.cluster.withDeviceCount(4), devices: 4)
    plain.bodies = nil
    // Incumbents that beat part of the unbounded pipelines: pruned powers.
    let families = FTInsidePipelineStagesTests.families
    let unbounded = await plain.splitFrontiers(of: families)
    var incumbents: [CostVector] = []
    for (index, entry) in unbounded.entries.joined().enumerated() where index % 3 == 0 {
      incumbents.append(CostVector(time: entry.timeS * 0.98, memory: entry.memoryBytes * 0.98))
    }
    #expect(!incumbents.isEmpty)
    for bound in [[], incumbents] {
      plain.incumbents = bound
      var shared = plain
      shared.bodies = BlockBodyMemo()
      let expected = await plain.splitFrontiers(of: families)
      let found = await shared.splitFrontiers(of: families)
      #expect(found.entries == expected.entries)
      #expect(found.searches == expected.searches)
      #expect(found.notes == expected.notes)
      // Workspace strata that leave a body alone share its reductions.
      let memo = try #require(shared.bodies)
      #expect(memo.count > 0 && memo.graphCount < memo.count)
    }
  }

  @Test("stage cost models differing in one component do not share a block body")
  func stageModelsDifferingInOneComponentDoNotShare() throws {
    let request = try FTInsidePipelineStagesTests.request()
    let graph = try request.model.graph(batchSize: 2, sequenceLength: request.seq)
    let mesh = DeviceMesh([2])
    let options = TrainingOptions(
      dtype: request.dtype, optimizer: request.optimizer, zeroStage: 1,
      recomputation: .none, microBatchCount: 4, inFlightMicroBatches: 2)
    let base = PipelineStageCost(
      base: AnalyticalStageCost(
        mesh: mesh, cluster: request.cluster.withDeviceCount(4), firstDevice: 0,
        options: options),
      slots: 5, tiedPartners: [:])
    var variants: [PipelineStageCost] = []
    var model = base
    model.slots = 6
    variants.append(model)
    model = base
    model.workspaceCap = 1e9
    variants.append(model)
    model = base
    model.tiedPartners = ["lm_head": 2]
    variants.append(model)
    model = base
    model.base.firstDevice = 2
    variants.append(model)
    model = base
    model.base.options.inFlightMicroBatches = 1
    variants.append(model)
    model = base
    model.base.options.zeroStage = 3
    variants.append(model)
    model = base
    model.base.options.recomputation = .selective
    variants.append(model)
    let memo = BlockBodyMemo()
    _ = try StageProblem(graph: graph, costModel: base, memo: memo)
    _ = try StageProblem(graph: graph, costModel: base, memo: memo)
    #expect(memo.count == 1)
    for (index, variant) in variants.enumerated() {
      _ = try StageProblem(graph: graph, costModel: variant, memo: memo)
      #expect(memo.count == index + 2, "variant \(index) shared the base model's body")
    }
  }
}
