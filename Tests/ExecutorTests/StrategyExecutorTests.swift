import TensorOptGraph
import Testing

@testable import TensorOptExecutor

@Suite struct StrategyExecutorTests {
  /// The transfer kinds worker `rank` performed.
  private func transferKinds(_ result: ExecutionResult, rank: Int = 0) -> Set<String> {
    Set(
      result.traces[rank].events.compactMap { event -> String? in
        if case .transfer(let kind, let group, _, _, _, _) = event, group.count > 1 { return kind }
        return nil
      })
  }

  @discardableResult
  private func check(
    _ graph: Graph, _ strategy: ExecutionStrategy, expecting kinds: Set<String> = []
  ) throws
    -> ExecutionResult
  {
    let reference = try StrategyExecutor.run(graph, strategy: .singleDevice)
    let result = try StrategyExecutor.run(graph, strategy: strategy)
    expectNumericsMatch(result, reference)
    #expect(result.loss.isFinite && reference.loss > 0)
    #expect(kinds.isSubset(of: transferKinds(result)), "transfers: \(transferKinds(result))")
    return result
  }

  private func c(_ assignments: String?...) -> OpConfiguration { OpConfiguration(assignments) }

  @Test func singleDeviceRunProducesAFiniteLossAndEveryGradient() throws {
    let result = try StrategyExecutor.run(try TestModels.transformer(), strategy: .singleDevice)
    #expect(result.loss.isFinite)
    #expect(result.gradients.count == 1 + 2 * 12 + 2 + 1)
    #expect(result.gradients["layers[1]/fc1/weight"]?.contains { $0 != 0 } == true)
    #expect(result.peakBytes[0] > 0)
  }

  @Test func dataParallelMlpMatchesTheSingleWorkerRun() throws {
    let graph = try TestModels.mlp()
    let batch = c("batch")
    try check(
      graph,
      ExecutionStrategy(
        mesh: DeviceMesh([2]),
        configurations: ["fc1": batch, "act": batch, "fc2": batch, "head": batch, "loss": batch]),
      expecting: ["all-reduce"])
  }

  @Test func megatronMlpMatchesTheSingleWorkerRun() throws {
    let graph = try TestModels.mlp()
    try check(
      graph,
      ExecutionStrategy(
        mesh: DeviceMesh([2]),
        configurations: [
          "fc1": c("out"), "act": c("ffn"), "fc2": c("in"), "head": c("out"), "loss": c("vocab"),
        ]), expecting: ["all-reduce", "all-gather"])
  }

  @Test func dataParallelTransformerMatchesTheSingleWorkerRun() throws {
    let graph = try TestModels.transformer()
    let names =
      ["embed", "lnf", "head", "loss"]
      + ["ln1", "qkv", "attn", "proj", "res1", "ln2", "fc1", "act", "fc2", "res2"].map {
        "layers/" + $0
      }
    var configurations: [String: OpConfiguration] = [:]
    for name in names { configurations[name] = c("batch") }
    try check(graph, ExecutionStrategy(mesh: DeviceMesh([4]), configurations: configurations))
  }

  @Test func megatronTensorParallelTransformerMatchesTheSingleWorkerRun() throws {
    let graph = try TestModels.transformer()
    let configurations: [String: OpConfiguration] = [
      "embed": c("out"), "layers/qkv": c("out"), "layers/attn": c("heads"), "layers/proj": c("in"),
      "layers/fc1": c("out"), "layers/act": c("ffn"), "layers/fc2": c("in"), "head": c("out"),
      "loss": c("vocab"),
    ]
    try check(graph, ExecutionStrategy(mesh: DeviceMesh([2]), configurations: configurations))
  }

  @Test func mixedNonUniformStrategyOnATwoByTwoMeshMatchesTheSingleWorkerRun() throws {
    let graph = try TestModels.transformer()
    let configurations: [String: OpConfiguration] = [
      "embed": c("batch", "vocab"),
      "layers/ln1": c("seq", nil),
      "layers/qkv": c("batch", "out"),
      "layers/attn": c("batch", "heads"),
      "layers/proj": c("batch", "in"),
      "layers/res1": c("batch", "hidden"),
      "layers/ln2": c(nil, "batch"),
      "layers/fc1": c("out", "batch"),
      "layers/act": c("ffn", "batch"),
      "layers/fc2": c("in", "batch"),
      "layers/res2": c(nil, "seq"),
      "lnf": c("batch", "batch"),
      "head": c("out", "batch"),
      "loss": c("vocab", "seq"),
    ]
    let result = try check(
      graph, ExecutionStrategy(mesh: DeviceMesh([2, 2]), configurations: configurations),
      expecting: ["all-reduce", "all-gather", "all-to-all", "reduce-scatter"])
    let single = try StrategyExecutor.run(graph, strategy: .singleDevice)
    #expect(result.peakBytes.allSatisfy { $0 < single.peakBytes[0] })
  }

  @Test func anInvalidConfigurationIsRefusedBeforeAnythingRuns() throws {
    let graph = try TestModels.mlp()
    #expect(throws: ExecutorError.self) {
      try StrategyExecutor.run(
        graph,
        strategy: ExecutionStrategy(mesh: DeviceMesh([3]), configurations: ["fc1": c("batch")]))
    }
  }
}

@Suite struct MemoryRefusalTests {
  @Test func aRunAboveTheMemoryLimitIsRefusedBeforeAnyWorkerStarts() throws {
    var options = ExecutionOptions()
    options.memoryLimitBytes = 1000
    #expect {
      try StrategyExecutor.run(try TestModels.mlp(), strategy: .singleDevice, options: options)
    } throws: { error in
      guard case .refused(let message) = error as? ExecutorError else { return false }
      return message.contains("MiB")
    }
  }

  @Test func theEstimateBoundsTheMeasuredPeak() throws {
    let graph = try TestModels.transformer()
    let strategy = ExecutionStrategy(
      mesh: DeviceMesh([2]), configurations: ["layers/fc1": OpConfiguration(["out"])])
    let plan = try ExecutionPlan(graph: graph, strategy: strategy)
    let result = try StrategyExecutor.run(graph, strategy: strategy)
    for (estimate, measured) in zip(
      plan.estimatedPeakBytes(options: ExecutionOptions()), result.peakBytes)
    {
      #expect(measured <= estimate * 2)
      #expect(measured * 4 >= estimate)
    }
  }
}

@Suite struct MegatronTemplateTests {
  @Test(arguments: [false, true])
  func megatronStrategyForAnyGraphMatchesOneWorker(sequenceParallel: Bool) throws {
    let graph = try TestModels.transformer()
    let reference = try StrategyExecutor.run(graph, strategy: .singleDevice)
    let strategy = ExecutionStrategy.megatron(
      graph, dataParallel: 1, tensorParallel: 2, sequenceParallel: sequenceParallel)
    #expect(strategy.configurations["layers/qkv"] == OpConfiguration(["out"]))
    #expect(strategy.configurations["layers/proj"] == OpConfiguration(["in"]))
    #expect(
      strategy.configurations["layers/ln1"] == OpConfiguration([sequenceParallel ? "seq" : nil]))
    let result = try StrategyExecutor.run(graph, strategy: strategy)
    expectNumericsMatch(result, reference)
    let scatters = result.traces[0].events.contains {
      if case .transfer(let kind, _, _, _, _, _) = $0 { return kind == "reduce-scatter" }
      return false
    }
    #expect(scatters == sequenceParallel)
  }
}
