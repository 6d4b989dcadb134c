import Foundation
import TensorOptGraph
import Testing

@testable import TensorOptCost

@Suite("Evaluating uniform strategies")
struct StrategyEvaluatorTests {
  let model = TestModels.gptModel(layers: 4, batch: 32, sequence: 32)

  func evaluate(_ strategy: ParallelStrategy, memory: Double = 80e9, batch: Int = 32) throws
    -> Evaluation
  {
    try StrategyEvaluator(cluster: Fixtures.cluster(devices: strategy.deviceCount, memory: memory))
      .evaluate(
        model: model, globalBatchSize: batch, sequenceLength: 32, strategy: strategy)
  }

  @Test func timeBreakdownSumsToTheIterationTime() throws {
    let e = try evaluate(
      ParallelStrategy(dataParallel: 2, tensorParallel: 2, pipelineStages: 2, microBatchSize: 2))
    let t = e.breakdown.time
    let sum =
      t.forwardS + t.backwardS + t.recomputeS + t.tensorParallelS + t.parameterGatherS
      + t.pipelineP2pS
      + t.pipelineBubbleS + t.dataParallelSyncS + t.optimizerS
    #expect(abs(sum - e.timeS) / e.timeS < 1e-9)
    let m = e.breakdown.memory
    let memory =
      m.weightsBytes + m.gradientsBytes + m.optimizerBytes + m.activationsBytes + m.workspaceBytes
    #expect(abs(memory - e.memoryBytes) / e.memoryBytes < 1e-9)
  }

  @Test func pipelineBubbleIsStagesMinusOneOverMicroBatches() throws {
    let e = try evaluate(
      ParallelStrategy(dataParallel: 1, pipelineStages: 4, microBatchSize: 4, dtype: .fp32))
    #expect(e.microBatches == 8)
    let t = e.breakdown.time
    let busy =
      t.forwardS + t.backwardS + t.recomputeS + t.tensorParallelS + t.parameterGatherS
      + t.pipelineP2pS
    #expect(abs(t.pipelineBubbleS / busy - 3.0 / 8) < 1e-9)
  }

  @Test func recomputationTradesTimeForActivationMemory() throws {
    let base = ParallelStrategy(dataParallel: 1, microBatchSize: 32, dtype: .fp32)
    var full = base
    full.recomputation = .full
    var selective = base
    selective.recomputation = .selective
    let (n, s, f) = (try evaluate(base), try evaluate(selective), try evaluate(full))
    #expect(n.breakdown.time.recomputeS == 0)
    #expect(
      s.breakdown.time.recomputeS > 0 && f.breakdown.time.recomputeS > s.breakdown.time.recomputeS)
    #expect(f.breakdown.memory.activationsBytes < s.breakdown.memory.activationsBytes)
    #expect(s.breakdown.memory.activationsBytes < n.breakdown.memory.activationsBytes)
  }

  @Test func zeroShardsStatesAcrossDataParallelReplicas() throws {
    let plain = try evaluate(ParallelStrategy(dataParallel: 4, microBatchSize: 8))
    var sharded = ParallelStrategy(dataParallel: 4, microBatchSize: 8)
    sharded.zeroStage = 3
    let zero3 = try evaluate(sharded)
    let before = plain.breakdown.memory
    let after = zero3.breakdown.memory
    let total = { (m: Evaluation.MemoryBreakdown) in
      m.weightsBytes + m.gradientsBytes + m.optimizerBytes
    }
    #expect(abs(total(after) - total(before) / 4) / total(after) < 1e-9)
    #expect(zero3.breakdown.time.parameterGatherS >= 0)
  }

  @Test func stagesThatDoNotDivideTheLayersTakeTheLargerShareFirst() throws {
    let uneven = try evaluate(
      ParallelStrategy(dataParallel: 1, pipelineStages: 3, microBatchSize: 1))
    let explicit = try evaluate(
      ParallelStrategy(
        dataParallel: 1, pipelineStages: 3, microBatchSize: 1, stageLayers: [2, 1, 1]))
    #expect(uneven.timeS == explicit.timeS)
    #expect(uneven.memoryBytes == explicit.memoryBytes)
    #expect(uneven.notes.first?.contains("2,1,1") == true)
  }

  @Test func explicitStageLayersMoveWorkBetweenStages() throws {
    let strategy = { (split: [Int]) in
      ParallelStrategy(dataParallel: 1, pipelineStages: 2, microBatchSize: 1, stageLayers: split)
    }
    let even = try evaluate(strategy([2, 2])).breakdown.stages
    let front = try evaluate(strategy([3, 1])).breakdown.stages
    #expect(front[0].microBatchS > even[0].microBatchS)
    #expect(front[1].microBatchS < even[1].microBatchS)
    let balanced = try evaluate(
      ParallelStrategy(dataParallel: 1, pipelineStages: 2, microBatchSize: 1))
    #expect(try evaluate(strategy([2, 2])).timeS == balanced.timeS)
    #expect(try evaluate(strategy([2, 2])).memoryBytes == balanced.memoryBytes)
  }

  @Test func aStrategyThatDoesNotFitIsAResultNotAnError() throws {
    let e = try evaluate(ParallelStrategy(dataParallel: 1, microBatchSize: 32), memory: 1e6)
    #expect(!e.fits)
    #expect(e.memoryBytes > e.memoryCapacityBytes)
  }

  @Test func impossibleStrategiesAreOneLineErrors() throws {
    #expect(throws: StrategyError.self) {
      try evaluate(ParallelStrategy(dataParallel: 3, microBatchSize: 1))
    }
    #expect(throws: StrategyError.self) {  // more stages than the 4 layers
      try evaluate(ParallelStrategy(dataParallel: 1, pipelineStages: 5, microBatchSize: 1))
    }
    #expect(throws: StrategyError.self) {  // 4 layers do not interleave into 3 × 2 chunks
      try evaluate(
        ParallelStrategy(dataParallel: 1, pipelineStages: 3, microBatchSize: 1, interleave: 2),
        batch: 33)
    }
    for split in [[2, 1], [2, 1, 0], [3, 1, 1], [2, 2, 1]] {
      #expect(throws: StrategyError.self) {
        try evaluate(
          ParallelStrategy(
            dataParallel: 1, pipelineStages: 3, microBatchSize: 1, stageLayers: split))
      }
    }
    #expect(throws: StrategyError.self) {
      try evaluate(
        ParallelStrategy(
          dataParallel: 1, pipelineStages: 2, microBatchSize: 1, schedule: .gpipe, interleave: 2))
    }
    #expect(throws: StrategyError.self) {  // 3 micro-batches do not interleave over 2 stages
      try evaluate(
        ParallelStrategy(dataParallel: 1, pipelineStages: 2, microBatchSize: 3, interleave: 2),
        batch: 9)
    }
    let cluster = Fixtures.cluster(devices: 4)
    #expect(throws: StrategyError.self) {
      try StrategyEvaluator(cluster: cluster).evaluate(
        model: model, globalBatchSize: 32, sequenceLength: 32,
        strategy: ParallelStrategy(dataParallel: 8, microBatchSize: 1))
    }
  }

  @Test func jsonHasTheDocumentedKeysAndIsDeterministic() throws {
    let e = try evaluate(ParallelStrategy(dataParallel: 2, tensorParallel: 2, microBatchSize: 16))
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys]
    let first = try encoder.encode(e)
    #expect(first == (try encoder.encode(e)))
    let object = try #require(try JSONSerialization.jsonObject(with: first) as? [String: Any])
    for key in ["time_s", "memory_bytes", "fits", "breakdown", "throughput"] {
      #expect(object[key] != nil, "\(key)")
    }
  }

  @Test func throughputFollowsFromTimeAndModelFLOPs() throws {
    let e = try evaluate(ParallelStrategy(dataParallel: 2, microBatchSize: 16, dtype: .fp32))
    #expect(abs(e.throughput.samplesPerS - 32 / e.timeS) < 1e-6)
    #expect(abs(e.throughput.tokensPerS - 32 * 32 / e.timeS) < 1e-3)
    let graph = try TestModels.gpt(batch: 32, sequence: 32, layers: 4)
    let metrics = graph.totalMetrics(floatBytes: 4)
    let perDevice = (metrics.forwardFLOPs + metrics.backwardFLOPs) / e.timeS / 2
    #expect(abs(e.throughput.modelFlopsPerSPerDevice - perDevice) / perDevice < 1e-9)
    #expect(abs(e.throughput.mfu - perDevice / 100e12) < 1e-12)
  }

  @Test func stageCostModelAgreesWithTheBreakdown() throws {
    let graph = try TestModels.gpt(batch: 8, sequence: 32)
    let mesh = DeviceMesh([2, 4])
    let model = AnalyticalStageCost(
      mesh: mesh, cluster: Fixtures.cluster(), options: TrainingOptions(dtype: .bf16))
    let configuration = UniformLayout.megatron(graph: graph, mesh: mesh)
    let head = try #require(graph.nodes.firstIndex { $0.name == "lm_head" })
    let config = try #require(configuration.operatorConfiguration(at: head))
    let vector = model.cost(of: graph.nodes[head], in: graph, configuration: config)
    let parts = model.breakdown(
      of: graph.nodes[head], in: graph, configuration: config, insideBlock: false)
    #expect(vector == parts.vector(microBatches: 1, inFlight: 1))
    #expect(vector.time > 0 && vector.memory > 0)
  }
}

@Suite("evaluate and the search's additive sum agree")
struct ConsistencyTests {
  @Test(arguments: [(4, 1, false, 0), (2, 2, false, 1), (2, 4, true, 2), (1, 8, true, 3)])
  func aStageSumsToWhatEvaluateReports(dp: Int, tp: Int, sequenceParallel: Bool, zero: Int) throws {
    let model = TestModels.gptModel(layers: 3, batch: 16, sequence: 32)
    let cluster = Fixtures.cluster(devices: 8)
    var strategy = ParallelStrategy(
      dataParallel: dp, tensorParallel: tp, microBatchSize: 16 / dp / 2)
    strategy.sequenceParallel = sequenceParallel
    strategy.zeroStage = zero
    let evaluation = try StrategyEvaluator(cluster: cluster).evaluate(
      model: model, globalBatchSize: 16, sequenceLength: 32, strategy: strategy)
    #expect(evaluation.microBatches == 2)
    let graph = try model.graph(batchSize: dp * strategy.microBatchSize, sequenceLength: 32)
      .paddingVocabulary(toMultipleOf: strategy.vocabularyMultiple)
    let mesh = DeviceMesh([dp, tp])
    let stage = AnalyticalStageCost(
      mesh: mesh, cluster: cluster,
      options: TrainingOptions(
        dtype: strategy.dtype, optimizer: strategy.optimizer, zeroStage: zero, microBatchCount: 2,
        inFlightMicroBatches: 1))
    let configuration = UniformLayout.megatron(
      graph: graph, mesh: mesh, sequenceParallel: sequenceParallel)
    let total = stage.totalCost(of: graph, configuration: configuration)
    #expect(abs(total.time - evaluation.timeS) / evaluation.timeS < 1e-9)
    let workspace = evaluation.breakdown.memory.workspaceBytes
    #expect(abs(total.memory - (evaluation.memoryBytes - workspace)) / total.memory < 1e-9)
  }
}
