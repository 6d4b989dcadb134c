import Testing

@testable import TensorOptPlan
@testable import TensorOptReport

@Suite("Explain")
struct ExplainTests {
  @Test func explanationCoversStagesOperatorsCollectivesTimeAndMemory() throws {
    let plan = try UniformPlanFixture.gptMiniUniform()
    let text = PlanExplanation(plan: plan, entry: try plan.entry(pick: 1)).text
    for heading in [
      "Stages", "How each operator is split", "Collectives", "Where the time goes",
      "Where the memory goes",
    ] {
      #expect(text.contains(heading), "missing \(heading)")
    }
    #expect(text.contains("dp2 tp2 pp2 mb1 1f1b recompute=sel zero1"))
    #expect(text.contains("layers/qkv"))
    #expect(text.contains("tensor parallel: all-reduce"))
    #expect(text.contains("pipeline: send/receive"))
  }

  @Test func nonUniformLayoutsAreExplainedAsRelayoutsNotMegatronAllReduces() throws {
    let plan = try UniformPlanFixture.gptMiniUniform()
    var entry = try plan.entry(pick: 1)
    entry.strategy.uniformLayout = false
    let text = PlanExplanation(plan: plan, entry: entry).text
    #expect(text.contains("tensor parallel: re-layouts of activations in each group of 2"))
    #expect(!text.contains("tensor parallel: all-reduce"))
  }

  @Test func timeRowsSumToTheIterationTime() throws {
    let plan = try UniformPlanFixture.gptMiniUniform()
    let entry = try plan.entry(pick: 1)
    let sum = entry.timeParts.map(\.value).reduce(0, +)
    #expect(abs(sum - entry.timeS) <= 1e-9 * entry.timeS)
    let memory = entry.memoryParts.map(\.value).reduce(0, +)
    #expect(abs(memory - entry.memoryBytes) <= 1e-6 * entry.memoryBytes)
  }
}
