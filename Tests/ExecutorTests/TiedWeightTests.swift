import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptExecutor

/// A head tied to the embedding table (GPT-2 style) under layouts that differ
/// between the table's owner and the head.
@Suite struct TiedWeightTests {
  private func c(_ assignments: String?...) -> OpConfiguration { OpConfiguration(assignments) }

  @Test func aTiedHeadHasNoWeightOfItsOwnAndFeedsTheTableGradient() throws {
    let tied = try StrategyExecutor.run(
      try TestModels.transformer(tiedHead: true), strategy: .singleDevice)
    #expect(tied.gradients["head/weight"] == nil)
    let untied = try StrategyExecutor.run(try TestModels.transformer(), strategy: .singleDevice)
    #expect(tied.gradients["embed/table"] != untied.gradients["embed/table"])
  }

  @Test(arguments: [
    ["embed": "vocab", "head": "out", "loss": "vocab"],
    ["embed": "out", "head": "out", "loss": "vocab"],
    ["embed": "vocab", "head": "in"],
    ["embed": "batch", "head": "batch", "loss": "batch"],
  ])
  func tiedHeadMatchesOneWorker(assignments: [String: String]) throws {
    let graph = try TestModels.transformer(tiedHead: true)
    let reference = try StrategyExecutor.run(graph, strategy: .singleDevice)
    var configurations: [String: OpConfiguration] = [:]
    for (name, dimension) in assignments { configurations[name] = c(dimension) }
    let result = try StrategyExecutor.run(
      graph, strategy: ExecutionStrategy(mesh: DeviceMesh([2]), configurations: configurations))
    expectNumericsMatch(result, reference)
  }

  @Test func tiedHeadOnATwoByTwoMeshWithZeroOneMatchesAdamOnOneWorker() throws {
    let graph = try TestModels.transformer(tiedHead: true)
    var options = ExecutionOptions()
    var adam = AdamConfiguration()
    adam.epsilon = 1e-4
    options.adam = adam
    let reference = try StrategyExecutor.run(graph, strategy: .singleDevice, options: options)
    options.zeroStage1 = true
    let configurations = [
      "embed": c("batch", "out"), "head": c("batch", "out"), "loss": c("batch", "vocab"),
    ]
    let result = try StrategyExecutor.run(
      graph, strategy: ExecutionStrategy(mesh: DeviceMesh([2, 2]), configurations: configurations),
      options: options)
    expectNumericsMatch(result, reference)
  }

  @Test func aTieAcrossPipelineStagesKeepsAReplicaAndMatchesOneWorker() throws {
    var options = ExecutionOptions()
    var adam = AdamConfiguration()
    adam.epsilon = 1e-4
    options.adam = adam
    let reference = try StrategyExecutor.run(
      try TestModels.transformer(batch: 4, tiedHead: true), strategy: .singleDevice,
      options: options)
    options.microBatches = 2
    options.schedule = .oneForwardOneBackward
    let strategy = ExecutionStrategy(
      mesh: DeviceMesh([2]), configurations: ["head": c("out"), "loss": c("vocab")], stageCount: 2)
    let result = try StrategyExecutor.run(
      try TestModels.transformer(batch: 2, tiedHead: true), strategy: strategy, options: options)
    expectNumericsMatch(result, reference)
  }

  @Test func aTieAcrossPipelineStagesUnderZeroIsRefused() throws {
    var options = ExecutionOptions()
    options.adam = AdamConfiguration()
    options.zeroStage = 1
    #expect(throws: ExecutorError.self) {
      try StrategyExecutor.run(
        try TestModels.transformer(tiedHead: true),
        strategy: ExecutionStrategy(mesh: DeviceMesh([1]), stageCount: 2), options: options)
    }
  }
}
