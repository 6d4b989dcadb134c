import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptExecutor

@Suite struct PipelineTests {
  /// The reference: one worker, the whole batch in one pass.
  private func reference(batch: Int, adam: AdamConfiguration? = nil) throws -> ExecutionResult {
    var options = ExecutionOptions()
    options.adam = adam
    return try StrategyExecutor.run(
      try TestModels.transformer(batch: batch), strategy: .singleDevice, options: options)
  }

  private func run(
    microBatch: Int, _ strategy: ExecutionStrategy, microBatches: Int,
    schedule: PipelineSchedule = .gpipe,
    recomputation: Recomputation = .none, adam: AdamConfiguration? = nil, zero: Bool = false
  ) throws -> ExecutionResult {
    var options = ExecutionOptions()
    options.microBatches = microBatches
    options.schedule = schedule
    options.recomputation = recomputation
    options.adam = adam
    options.zeroStage1 = zero
    options.timeout = 20
    return try StrategyExecutor.run(
      try TestModels.transformer(batch: microBatch), strategy: strategy, options: options)
  }

  @Test func microBatchesAccumulateToTheWholeBatchGradient() throws {
    expectNumericsMatch(
      try run(microBatch: 1, .singleDevice, microBatches: 4), try reference(batch: 4))
  }

  @Test(arguments: PipelineSchedule.allCases)
  func twoStagePipelineMatchesTheSingleWorkerRun(schedule: PipelineSchedule) throws {
    let strategy = ExecutionStrategy(mesh: DeviceMesh([1]), stageCount: 2)
    expectNumericsMatch(
      try run(microBatch: 1, strategy, microBatches: 4, schedule: schedule), try reference(batch: 4)
    )
  }

  @Test(arguments: PipelineSchedule.allCases)
  func threeStagesCutInsideABlockWithTensorParallelStagesMatch(schedule: PipelineSchedule) throws {
    // Stage 1 starts at layers[0]/proj: the residual input h crosses two stage boundaries.
    let configurations: [String: OpConfiguration] = [
      "layers/qkv": OpConfiguration(["out"]), "layers/attn": OpConfiguration(["heads"]),
      "layers/proj": OpConfiguration(["in"]), "layers/fc1": OpConfiguration(["batch"]),
      "layers/act": OpConfiguration(["batch"]), "layers/fc2": OpConfiguration(["batch"]),
      "loss": OpConfiguration(["vocab"]),
    ]
    let strategy = ExecutionStrategy(
      mesh: DeviceMesh([2]), configurations: configurations, stageCount: 3, stageStarts: [4, 15])
    expectNumericsMatch(
      try run(microBatch: 2, strategy, microBatches: 2, schedule: schedule), try reference(batch: 4)
    )
  }

  @Test func oneFOneBHoldsFewerActivationsThanGPipeOnTheFirstStage() throws {
    let strategy = ExecutionStrategy(mesh: DeviceMesh([1]), stageCount: 2)
    let gpipe = try run(microBatch: 1, strategy, microBatches: 6, schedule: .gpipe)
    let interleaved = try run(
      microBatch: 1, strategy, microBatches: 6, schedule: .oneForwardOneBackward)
    #expect(interleaved.peakBytes[0] < gpipe.peakBytes[0])
  }

  @Test(arguments: [Recomputation.selective, .full])
  func recomputationMatchesAndLowersThePeak(recomputation: Recomputation) throws {
    let strategy = ExecutionStrategy(
      mesh: DeviceMesh([2]), configurations: ["layers/attn": OpConfiguration(["heads"])])
    let kept = try run(microBatch: 4, strategy, microBatches: 1)
    let recomputed = try run(microBatch: 4, strategy, microBatches: 1, recomputation: recomputation)
    expectNumericsMatch(recomputed, try reference(batch: 4))
    #expect(recomputed.peakBytes[0] < kept.peakBytes[0])
    let recomputes = recomputed.traces[0].events.contains {
      if case .compute(let name, _) = $0 {
        return name == "attention-recompute" || name == "attention"
      }
      return false
    }
    #expect(recomputes)
  }

  @Test func zeroStageOneMatchesAdamOnOneWorkerAndShardsTheMoments() throws {
    var adam = AdamConfiguration()
    adam.learningRate = 0.01
    // Some gradients are zero in exact arithmetic (the key bias: softmax ignores a
    // shift of all scores) and ~1e-10 noise in fp32; Adam's first step maps g to
    // g/(|g| + ε), so a tiny ε would turn that noise into full-size updates.
    adam.epsilon = 1e-4
    var configurations: [String: OpConfiguration] = [:]
    for name in ["embed", "lnf", "head", "loss"]
      + ["ln1", "qkv", "attn", "proj", "res1", "ln2", "fc1", "act", "fc2", "res2"].map({
        "layers/" + $0
      })
    {
      configurations[name] = OpConfiguration(["batch"])
    }
    let strategy = ExecutionStrategy(mesh: DeviceMesh([4]), configurations: configurations)
    let reference = try reference(batch: 4, adam: adam)
    let zero = try run(microBatch: 4, strategy, microBatches: 1, adam: adam, zero: true)
    let plain = try run(microBatch: 4, strategy, microBatches: 1, adam: adam, zero: false)
    expectNumericsMatch(zero, reference)
    expectNumericsMatch(plain, reference)
    #expect(!zero.parameters.isEmpty)
    #expect(zero.peakBytes[0] <= plain.peakBytes[0])
    let scatters = zero.traces[0].events.filter {
      if case .transfer(let kind, _, _, _, _, _) = $0 { return kind == "reduce-scatter" }
      return false
    }
    #expect(scatters.count == zero.gradients.count)
  }
}

@Suite struct InterleavedPipelineTests {
  private func run(_ strategy: ExecutionStrategy, microBatches: Int, schedule: PipelineSchedule)
    throws
    -> ExecutionResult
  {
    var options = ExecutionOptions()
    options.microBatches = microBatches
    options.schedule = schedule
    options.timeout = 20
    return try StrategyExecutor.run(
      try TestModels.transformer(batch: 4 / microBatches), strategy: strategy, options: options)
  }

  @Test(arguments: [
    (2, 2, PipelineSchedule.oneForwardOneBackward), (2, 4, .oneForwardOneBackward),
    (1, 2, .oneForwardOneBackward),
    (2, 2, .gpipe),
  ])
  func modelChunksPerStageMatchTheSingleWorkerRun(
    stages: Int, microBatches: Int, schedule: PipelineSchedule
  ) throws {
    let reference = try StrategyExecutor.run(
      try TestModels.transformer(batch: 4), strategy: .singleDevice)
    let strategy = ExecutionStrategy(
      mesh: DeviceMesh([2]),
      configurations: [
        "layers/fc1": OpConfiguration(["out"]), "layers/fc2": OpConfiguration(["in"]),
      ],
      stageCount: stages, chunksPerStage: 2)
    let result = try run(strategy, microBatches: microBatches, schedule: schedule)
    expectNumericsMatch(result, reference)
  }

  @Test func interleavedOrderCoversEveryUnitOnceAndStartsWithTheWarmUp() {
    let actions = PipelineSchedule.oneForwardOneBackward.actions(
      stage: 0, stages: 2, microBatches: 4, chunks: 2)
    #expect(actions.count == 16)
    #expect(Set(actions).count == 16)
    #expect(actions.prefix(4).allSatisfy { $0.isForward })
    #expect(actions.prefix(4).map(\.chunk) == [0, 0, 1, 1])
  }

  @Test func interleavingRefusesMicroBatchesNotDivisibleByTheStages() {
    let strategy = ExecutionStrategy(mesh: DeviceMesh([1]), stageCount: 2, chunksPerStage: 2)
    #expect(throws: ExecutorError.self) {
      _ = try self.run(strategy, microBatches: 1, schedule: .oneForwardOneBackward)
    }
  }
}

@Suite struct ZeroStageTwoTests {
  /// ZeRO-1 and -2 match Adam on one worker; ZeRO-2 reduce-scatters each of the
  /// six gradients (three linear layers, weight and bias) once per micro-batch and
  /// never holds them whole, so it peaks below ZeRO-1.
  @Test(arguments: [1, 3])
  func zeroStageTwoReduceScattersEveryMicroBatchAndMatchesOneWorker(microBatches: Int) throws {
    var adam = AdamConfiguration()
    adam.learningRate = 0.01
    adam.epsilon = 1e-4
    var configurations: [String: OpConfiguration] = [:]
    for name in ["fc1", "act", "fc2", "head", "loss"] {
      configurations[name] = OpConfiguration(["batch"])
    }
    let graph = try TestModels.mlp(batch: 4, hidden: 64, ffn: 128, vocab: 16)
    let whole = try TestModels.mlp(batch: 4 * microBatches, hidden: 64, ffn: 128, vocab: 16)
    var options = ExecutionOptions()
    options.adam = adam
    let reference = try StrategyExecutor.run(whole, strategy: .singleDevice, options: options)
    let strategy = ExecutionStrategy(mesh: DeviceMesh([4]), configurations: configurations)
    options.microBatches = microBatches
    options.zeroStage = 1
    let one = try StrategyExecutor.run(graph, strategy: strategy, options: options)
    options.zeroStage = 2
    let two = try StrategyExecutor.run(graph, strategy: strategy, options: options)
    for result in [one, two] {
      expectNumericsMatch(result, reference)
    }
    #expect(two.peakBytes[0] < one.peakBytes[0])
    let overlappedScatters = two.traces[0].events.filter {
      if case .overlappedTransfer(let kind, _, _, _, _, _) = $0 { return kind == "reduce-scatter" }
      return false
    }
    #expect(overlappedScatters.count == 6 * microBatches)
  }
}

@Suite struct SGDStepTests {
  @Test func sgdWithMomentumUnderDataAndTensorParallelismMatchesOneWorker() throws {
    var options = ExecutionOptions()
    options.sgd = SGDConfiguration()
    let graph = try TestModels.transformer()
    let reference = try StrategyExecutor.run(graph, strategy: .singleDevice, options: options)
    let strategy = ExecutionStrategy.megatron(graph, dataParallel: 2, tensorParallel: 2)
    let result = try StrategyExecutor.run(graph, strategy: strategy, options: options)
    #expect(!result.parameters.isEmpty)
    expectNumericsMatch(result, reference)
  }
}

@Suite struct ZeroStageThreeTests {
  @Test func zeroStageThreeMatchesAdamOnOneWorkerAndHoldsLess() throws {
    var adam = AdamConfiguration()
    adam.learningRate = 0.01
    adam.epsilon = 1e-4
    let graph = try TestModels.transformer(tiedHead: true)
    var options = ExecutionOptions()
    options.adam = adam
    let reference = try StrategyExecutor.run(graph, strategy: .singleDevice, options: options)
    let strategy = ExecutionStrategy.megatron(graph, dataParallel: 2, tensorParallel: 2)
    options.zeroStage = 2
    let two = try StrategyExecutor.run(graph, strategy: strategy, options: options)
    options.zeroStage = 3
    let three = try StrategyExecutor.run(graph, strategy: strategy, options: options)
    for result in [two, three] {
      expectNumericsMatch(result, reference)
    }
    #expect(three.peakBytes.max() ?? 0 <= two.peakBytes.max() ?? 0)
  }

  @Test func zeroStageThreeWithoutAdamIsRefused() throws {
    var options = ExecutionOptions()
    options.zeroStage = 3
    #expect(throws: ExecutorError.self) {
      try StrategyExecutor.run(try TestModels.mlp(), strategy: .singleDevice, options: options)
    }
  }
}
