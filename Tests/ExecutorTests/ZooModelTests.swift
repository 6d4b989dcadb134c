import TensorOptCost
import TensorOptGraph
import TensorOptImport
import Testing

@testable import TensorOptExecutor

/// The zoo's executor-sized models under realistic strategies.
@Suite struct ZooModelTests {
  private func load(_ name: String) throws -> Model {
    let zoo = try #require(ModelZoo.locate())
    return try zoo.load(name)
  }

  private func expectMatch(
    _ graph: Graph, _ strategy: ExecutionStrategy, options: ExecutionOptions = ExecutionOptions()
  ) throws {
    let reference = try StrategyExecutor.run(graph, strategy: .singleDevice)
    let result = try StrategyExecutor.run(graph, strategy: strategy, options: options)
    expectNumericsMatch(result, reference)
  }

  @Test func mlpUnderDataAndTensorParallelismMatchesOneWorker() throws {
    let graph = try load("mlp").graph(batchSize: 8)
    var configurations: [String: OpConfiguration] = [:]
    for (name, tensorSplit) in [
      ("fc1", "out"), ("relu1", "hidden"), ("fc2", "in"), ("fc3", "out"), ("relu3", "hidden"),
      ("fc4", "in"),
    ] {
      configurations[name] = OpConfiguration(["batch", tensorSplit])
    }
    configurations["relu2"] = OpConfiguration(["batch", nil])
    configurations["loss"] = OpConfiguration(["batch", "vocab"])
    try expectMatch(
      graph, ExecutionStrategy(mesh: DeviceMesh([2, 2]), configurations: configurations))
  }

  @Test func gptMiniUnderMegatronTimesDataParallelMatchesOneWorker() throws {
    let graph = try load("gpt-mini").graph(batchSize: 2, sequenceLength: 16)
    let b = "batch"
    let configurations: [String: OpConfiguration] = [
      "wte": OpConfiguration([b, "vocab"]), "wpe": OpConfiguration([b, nil]),
      "embed": OpConfiguration([b, nil]),
      "layers/ln_1": OpConfiguration([b, nil]), "layers/qkv": OpConfiguration([b, "out"]),
      "layers/attn": OpConfiguration([b, "heads"]), "layers/attn_proj": OpConfiguration([b, "in"]),
      "layers/attn_residual": OpConfiguration([b, nil]), "layers/ln_2": OpConfiguration([b, nil]),
      "layers/fc": OpConfiguration([b, "out"]), "layers/gelu": OpConfiguration([b, "ffn"]),
      "layers/fc_proj": OpConfiguration([b, "in"]),
      "layers/mlp_residual": OpConfiguration([b, nil]),
      "ln_f": OpConfiguration([b, nil]), "lm_head": OpConfiguration([b, "out"]),
      "loss": OpConfiguration([b, "vocab"]),
    ]
    try expectMatch(
      graph, ExecutionStrategy(mesh: DeviceMesh([2, 2]), configurations: configurations))
  }

  @Test func gptMiniPipelinedWithOneFOneBMatchesOneWorker() throws {
    let model = try load("gpt-mini")
    let reference = try StrategyExecutor.run(
      try model.graph(batchSize: 2, sequenceLength: 8), strategy: .singleDevice)
    var options = ExecutionOptions()
    options.microBatches = 2
    options.schedule = .oneForwardOneBackward
    options.recomputation = .full
    let result = try StrategyExecutor.run(
      try model.graph(batchSize: 1, sequenceLength: 8),
      strategy: ExecutionStrategy(mesh: DeviceMesh([1]), stageCount: 2),
      options: options)
    expectNumericsMatch(result, reference)
  }
}
