import Foundation
import TensorOpt
import Testing

/// The library facade of `import TensorOpt`: `Planning` and `PlanFrontier`.
@Suite("Library facade")
struct LibraryFacadeTests {
  static let samplePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/gpt2-a100-80g-8.plan.json").path

  @Test func frontierQueriesRespectTheirBudgets() throws {
    let frontier = try PlanFrontier(try Planning.plan(contentsOf: Self.samplePath))
    let budget = 2 * 0x1p30
    let fastest = try #require(frontier.fastest(withinMemory: budget))
    #expect(fastest.memoryBytes <= budget)
    #expect(
      frontier.points.filter { $0.memoryBytes <= budget }.allSatisfy { $0.timeS >= fastest.timeS })
    let lean = try #require(frontier.smallestMemory(withinTime: 1))
    #expect(lean.timeS <= 1)
    #expect(
      frontier.points.filter { $0.timeS <= 1 }.allSatisfy { $0.memoryBytes >= lean.memoryBytes })
    #expect(frontier.fastest(withinMemory: 1) == nil)
    #expect(frontier.pick(of: fastest).map { frontier.points[$0 - 1] } == fastest)
  }

  @Test func plannerRunsFromTheLibraryAndItsPlanReportsAndExports() throws {
    let model = try Planning.model("gpt-mini")
    let plan = try Planning.plan(
      model, source: "gpt-mini", on: Planning.cluster(.a100With80GB, devices: 4), devices: [4],
      batch: 8, seq: 128, threads: 2)
    let frontier = try PlanFrontier(plan)
    #expect(frontier.devices == 4)
    #expect(!frontier.points.isEmpty)
    let fastest = try #require(frontier.fastest)
    #expect(try frontier.report().contains("class=\"frontier-point\""))
    #expect(frontier.explanation(of: fastest).contains("Where the time goes"))
    #expect(!frontier.export(fastest, to: .megatron).text.isEmpty)
    // The plan file round-trips.
    #expect(try PlanFile.decode(plan.encoded()) == plan)
  }

  @Test func evaluateMatchesTheFrontierPointOfAUniformStrategy() throws {
    // A plan made now (a stored plan file keeps the figures of the cost model that wrote it).
    let model = try Planning.model("gpt-mini")
    let cluster = try Planning.cluster(.a100With80GB, devices: 4)
    let plan = try Planning.plan(
      model, source: "gpt-mini", on: cluster, devices: [4], batch: 8, seq: 128, threads: 2)
    let entry = try #require(
      PlanFrontier(plan).points.first { $0.strategy.uniformLayout && $0.strategy.dp > 1 })
    let again = try Planning.evaluate(
      model, on: cluster,
      strategy: entry.strategy.parallelStrategy(
        dtype: plan.model.dtype, optimizer: .adam, padsVocabulary: true),
      batch: 8, seq: 128)
    #expect(abs(again.timeS - entry.timeS) <= 1e-9 * entry.timeS)
    #expect(abs(again.memoryBytes - entry.memoryBytes) <= 1e-9 * entry.memoryBytes)
  }
}
