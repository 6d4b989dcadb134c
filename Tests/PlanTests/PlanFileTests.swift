import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptImport
@testable import TensorOptPlan

@Suite("Plan files")
struct PlanFileTests {
  /// A plan of one uniform gpt-mini strategy on 8 h100-80g devices.
  static func samplePlan() throws -> PlanFile {
    let model = try ModelLoader.load("gpt-mini")
    let cluster = ClusterPreset.h100.cluster(devices: 8)
    let strategy = ParallelStrategy(
      dataParallel: 2, tensorParallel: 2, pipelineStages: 2, microBatchSize: 1,
      recomputation: .selective, zeroStage: 1, dtype: .bf16)
    let evaluation = try StrategyEvaluator(cluster: cluster).evaluate(
      model: model, globalBatchSize: 8, sequenceLength: 128, strategy: strategy)
    let graph = try model.graph(batchSize: 2, sequenceLength: 128).paddingVocabulary(
      toMultipleOf: strategy.vocabularyMultiple)
    let entry = PlanEntry(
      timeS: evaluation.timeS, memoryBytes: evaluation.memoryBytes,
      memoryLimitBytes: cluster.device.memoryBytes,
      throughput: PlanThroughput(evaluation.throughput),
      breakdown: PlanBreakdown(evaluation.breakdown),
      strategy: .uniform(strategy, graph: graph, microBatches: evaluation.microBatches))
    return PlanFile(
      model: PlannedModel(
        name: model.name, source: "gpt-mini", family: model.family, batch: 8, seq: 128,
        dtype: .bf16, layers: graph.layerCount),
      cluster: PlannedCluster(cluster: cluster, preset: "h100-80g", defaulted: true),
      settings: PlanSettings(devices: [8]),
      results: [PlanResult(devices: 8, frontier: [entry])])
  }

  @Test func encodingThenDecodingGivesTheSamePlan() throws {
    let plan = try Self.samplePlan()
    let data = try plan.encoded()
    #expect(try PlanFile.decode(data) == plan)
    #expect(try PlanFile.decode(data).encoded() == data)
  }

  @Test func keysAreSnakeCaseWithTheDocumentedNames() throws {
    let text = String(decoding: try Self.samplePlan().encoded(), as: UTF8.self)
    for key in [
      "\"format\" : \"tensoropt-plan/1\"", "\"time_s\"", "\"memory_bytes\"", "\"fits\"",
      "\"sequence_parallel\"", "\"microbatch\"", "\"stage_mesh\"", "\"uniform_layout\"",
      "\"pipeline_transfer_s\"", "\"tokens_per_s\"", "\"mfu\"", "\"devices_per_node\"",
    ] {
      #expect(text.contains(key), "missing \(key)")
    }
  }

  @Test func uniformStrategyListsEveryOperatorOnItsStage() throws {
    let strategy = try #require(Self.samplePlan().results.first?.frontier.first?.strategy)
    #expect(strategy.summary == "dp2 tp2 pp2 mb1 1f1b recompute=sel zero1")
    #expect(strategy.stages.map(\.layers) == [[[0, 2]], [[2, 4]]])
    #expect(strategy.stages[0].operators["wte"] == "batch,vocab")
    #expect(strategy.stages[1].operators["wte"] == nil)
    let block = try #require(strategy.stages[1].blocks.values.first)
    #expect(block.repetitions == [[2, 4]])
    #expect(block.repeatCount == 2)
  }

  @Test func uniformStrategyReplaysToTheSameCostInEvaluate() throws {
    let plan = try Self.samplePlan()
    let entry = try #require(plan.results.first?.frontier.first)
    let model = try ModelLoader.load(plan.model.source)
    let cluster = try plan.cluster.cluster(devices: 8)
    let again = try StrategyEvaluator(cluster: cluster).evaluate(
      model: model, globalBatchSize: plan.model.batch, sequenceLength: plan.model.seq,
      strategy: entry.strategy.parallelStrategy(
        dtype: plan.model.dtype, optimizer: plan.model.optimizer,
        padsVocabulary: plan.model.padsVocabulary))
    #expect(again.timeS == entry.timeS)
    #expect(again.memoryBytes == entry.memoryBytes)
  }

  @Test func anotherFormatIsRejected() throws {
    let data = Data(#"{"format": "tensoropt-plan/9"}"#.utf8)
    #expect(throws: PlanFileError.self) { try PlanFile.decode(data) }
  }

  @Test func writingReplacesTheNamedFileAtomically() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "plan-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("plan.json").path
    try Data("old".utf8).write(to: URL(fileURLWithPath: path))
    let plan = try Self.samplePlan()
    try plan.write(to: path)
    #expect(try PlanFile.load(contentsOf: path) == plan)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["plan.json"])
  }
}
