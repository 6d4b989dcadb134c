import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptPlan
@testable import TensorOptReport

@Suite("Export to training frameworks")
struct ExportTests {
  /// The hand-written expected file `name`.
  static func expected(_ name: String) throws -> String {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Expected").appendingPathComponent(name)
    return try String(contentsOf: url, encoding: .utf8)
  }

  static let uniform = try! UniformPlanFixture.gptMiniUniform()
  static let uniformWithSequenceParallel = try! UniformPlanFixture.gptMiniUniform(
    sequenceParallel: true, zero: 3, recompute: .full)

  static func export(_ plan: PlanFile, _ target: ExportTarget) throws -> TrainingExport {
    TrainingExporter.export(plan, entry: try plan.entry(pick: 1), to: target)
  }

  @Test func megatronArgumentsMatchTheExpectedFile() throws {
    let export = try Self.export(Self.uniform, .megatron)
    #expect(export.text == (try Self.expected("gpt-mini-megatron.txt")))
    #expect(export.isExact)
    #expect(export.nearest == nil)
  }

  @Test func deepSpeedConfigMatchesTheExpectedFileAndParses() throws {
    let export = try Self.export(Self.uniform, .deepspeed)
    #expect(export.text == (try Self.expected("gpt-mini-deepspeed.json")))
    #expect(export.isExact)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(export.text.utf8)) as? [String: Any])
    let batch = object["train_batch_size"] as? Int
    let micro = object["train_micro_batch_size_per_gpu"] as? Int
    let steps = object["gradient_accumulation_steps"] as? Int
    // DeepSpeed's invariant: batch = micro-batch × accumulation × data-parallel size (2).
    #expect(batch == (micro ?? 0) * (steps ?? 0) * 2)
    #expect(export.notes.contains { $0.contains("tensor parallelism (2)") })
  }

  @Test func torchtitanTOMLMatchesTheExpectedFile() throws {
    let export = try Self.export(Self.uniformWithSequenceParallel, .torchtitan)
    #expect(export.text == (try Self.expected("gpt-mini-torchtitan.toml")))
    #expect(export.isExact)
  }

  @Test func torchtitanNamesTheNearestPlanWhenSequenceParallelismIsOff() throws {
    let export = try Self.export(Self.uniform, .torchtitan)
    #expect(!export.isExact)
    let nearest = try #require(export.nearest)
    #expect(nearest.strategy.sequenceParallel)
    #expect(nearest.strategy.zeroStage == 3)
    #expect(nearest.summary == "dp2 tp2 pp2 mb1 1f1b recompute=sel zero3 sp")
    #expect((nearest.timeS ?? 0) > 0)
    #expect((nearest.memoryBytes ?? 0) > 0)
  }

  @Test func megatronNamesTheNearestPlanForGPipeAndZeRO3() throws {
    let plan = try UniformPlanFixture.plan(
      source: "gpt-mini", preset: .h100, batch: 8, seq: 128,
      strategies: [
        8: [
          ParallelStrategy(
            dataParallel: 2, tensorParallel: 2, pipelineStages: 2, microBatchSize: 1,
            schedule: .gpipe, zeroStage: 3, dtype: .bf16)
        ]
      ])
    let export = try Self.export(plan, .megatron)
    #expect(export.limitations.count == 2)
    let nearest = try #require(export.nearest)
    #expect(nearest.strategy.schedule == .oneForwardOneBackward)
    #expect(nearest.strategy.zeroStage == 1)
    #expect(nearest.timeS != nil)
    #expect(export.text.contains("--use-distributed-optimizer"))
  }

  @Test func perOperatorLayoutsAreReportedAsInexpressible() throws {
    var plan = Self.uniform
    plan.results[0].frontier[0].strategy.uniformLayout = false
    plan.results[0].frontier[0].strategy.deviations = ["layers/qkv"]
    for target in ExportTarget.allCases {
      let export = try Self.export(plan, target)
      #expect(export.limitations.contains { $0.contains("layers/qkv") }, "\(target)")
      let nearest = try #require(export.nearest)
      #expect(nearest.timeS != nil)
    }
  }

  @Test func interleavedScheduleExportsVirtualStages() throws {
    let plan = try UniformPlanFixture.plan(
      source: "gpt-mini", preset: .h100, batch: 8, seq: 128,
      strategies: [
        4: [
          ParallelStrategy(
            dataParallel: 1, tensorParallel: 2, pipelineStages: 2, microBatchSize: 1,
            interleave: 2, dtype: .bf16)
        ]
      ])
    let megatron = try Self.export(plan, .megatron)
    #expect(megatron.text.contains("--num-layers-per-virtual-pipeline-stage 1"))
    let titan = try Self.export(plan, .torchtitan)
    #expect(titan.text.contains("pipeline_parallel_schedule = \"Interleaved1F1B\""))
    let deepspeed = try Self.export(plan, .deepspeed)
    #expect(deepspeed.nearest?.strategy.interleave == 1)
  }

  /// A gpt-mini plan whose one entry runs `split` layers per stage on 4 devices.
  static func unevenPlan(_ split: [Int]) throws -> PlanFile {
    try UniformPlanFixture.plan(
      source: "gpt-mini", preset: .h100, batch: 8, seq: 128,
      strategies: [
        split.count: [
          ParallelStrategy(
            dataParallel: 1, pipelineStages: split.count, microBatchSize: 1, dtype: .bf16,
            stageLayers: split)
        ]
      ])
  }

  @Test func unevenStagesExportAsFirstAndLastStageLayersOrSplitPoints() throws {
    let plan = try Self.unevenPlan([1, 2, 1])
    #expect(try plan.entry(pick: 1).strategy.summary.contains("pp3[1,2,1]"))
    let megatron = try Self.export(plan, .megatron)
    #expect(megatron.text.contains("--decoder-first-pipeline-num-layers 1"))
    #expect(megatron.text.contains("--decoder-last-pipeline-num-layers 1"))
    #expect(megatron.isExact)
    let titan = try Self.export(plan, .torchtitan)
    #expect(titan.text.contains("pipeline_parallel_split_points = [\"layers.1\", \"layers.3\"]"))
    let deepspeed = try Self.export(plan, .deepspeed)
    #expect(deepspeed.limitations.contains { $0.contains("[1,2,1]") })
    let nearest = try #require(deepspeed.nearest)
    #expect(nearest.strategy.stageLayers == nil)
    #expect(nearest.timeS != nil)
  }

  @Test func megatronFallsBackWhenMiddleStagesDiffer() throws {
    let plan = try UniformPlanFixture.plan(
      source: "gpt2", preset: .h100, batch: 8, seq: 128,
      strategies: [
        4: [
          ParallelStrategy(
            dataParallel: 1, pipelineStages: 4, microBatchSize: 1, dtype: .bf16,
            stageLayers: [3, 2, 4, 3])
        ]
      ])
    let megatron = try Self.export(plan, .megatron)
    #expect(!megatron.text.contains("--decoder-first-pipeline-num-layers"))
    #expect(megatron.limitations.contains { $0.contains("[3,2,4,3]") })
    #expect(megatron.nearest?.strategy.stageLayers == nil)
    let titan = try Self.export(plan, .torchtitan)
    #expect(titan.text.contains("[\"layers.3\", \"layers.5\", \"layers.9\"]"))
    let threeStages = try Self.export(try Self.unevenPlan([1, 1, 2]), .megatron)
    #expect(threeStages.text.contains("--decoder-last-pipeline-num-layers 2"))
  }
}
