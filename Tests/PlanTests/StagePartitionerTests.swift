import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan

/// The partitioner's frontier against brute force: every composition of the
/// layers into stages, each costed by `StrategyEvaluator` itself.
@Suite("Non-uniform stage partitioning")
struct StagePartitionerTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var model: String
    var strategy: ParallelStrategy
    var testDescription: String {
      "\(model) \(PlanStrategy.summary(of: strategy, microBatches: 0))"
    }
  }

  static let batch = 8
  static let seq = 128

  static let cases: [Case] = [
    Case(
      model: "gpt2",
      strategy: ParallelStrategy(
        dataParallel: 2, pipelineStages: 2, microBatchSize: 1, zeroStage: 1)),
    Case(
      model: "gpt2",
      strategy: ParallelStrategy(
        dataParallel: 1, pipelineStages: 4, microBatchSize: 2, schedule: .gpipe,
        recomputation: .selective)),
    Case(
      model: "gpt2",
      strategy: ParallelStrategy(dataParallel: 2, pipelineStages: 4, microBatchSize: 1)),
    Case(
      model: "gpt2",
      strategy: ParallelStrategy(
        dataParallel: 2, tensorParallel: 2, pipelineStages: 2, microBatchSize: 2,
        recomputation: .full, sequenceParallel: true, zeroStage: 3)),
    Case(
      model: "gpt2",
      strategy: ParallelStrategy(
        dataParallel: 2, pipelineStages: 3, microBatchSize: 1, zeroStage: 2)),
    Case(
      model: "gpt-mini",
      strategy: ParallelStrategy(dataParallel: 1, pipelineStages: 3, microBatchSize: 1)),
    Case(
      model: "gpt-mini",
      strategy: ParallelStrategy(
        dataParallel: 2, tensorParallel: 2, pipelineStages: 2, microBatchSize: 1,
        schedule: .gpipe, zeroStage: 1)),
  ]

  /// Every composition of `total` into `parts` positive counts.
  static func compositions(_ total: Int, into parts: Int) -> [[Int]] {
    guard parts > 1 else { return total >= 1 ? [[total]] : [] }
    return (1...max(total - parts + 1, 1)).flatMap { first in
      compositions(total - first, into: parts - 1).map { [first] + $0 }
    }
  }

  /// The (time, memory) points not dominated beyond rounding, by increasing time.
  static func frontier(_ points: [(Double, Double)]) -> [(Double, Double)] {
    let close = 1 + 1e-12
    let sorted = points.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    var kept: [(Double, Double)] = []
    for point in sorted
    where !kept.contains(where: { $0.0 <= point.0 * close && $0.1 <= point.1 * close }) {
      kept.append(point)
    }
    return kept
  }

  @Test(arguments: cases)
  func frontierEqualsBruteForceOverEveryComposition(_ test: Case) throws {
    var s = test.strategy
    s.dtype = .bf16
    let model = try ModelLoader.load(test.model)
    let cluster = ClusterPreset.h100.cluster(devices: 8, devicesPerNode: 4)
    let m = Self.batch / (s.dataParallel * s.microBatchSize)
    let graph = try model.graph(
      batchSize: s.dataParallel * s.microBatchSize, sequenceLength: Self.seq
    )
    .paddingVocabulary(toMultipleOf: s.vocabularyMultiple)
    let evaluator = StrategyEvaluator(cluster: cluster)
    func evaluate(_ split: [Int]) -> Evaluation {
      var strategy = s
      strategy.stageLayers = split
      return evaluator.evaluate(
        graph: graph, modelName: model.name, family: model.family, globalBatchSize: Self.batch,
        sequenceLength: Self.seq, microBatches: m, strategy: strategy)
    }
    let brute = Self.frontier(
      Self.compositions(graph.layerCount, into: s.pipelineStages).map { split in
        let e = evaluate(split)
        return (e.timeS, e.memoryBytes)
      })
    var cache: [UniformPipelineCost.LayoutKey: UniformPipelineCost.Layouts] = [:]
    let costs = UniformPipelineCost(cluster: cluster).layerCosts(
      graph: graph, strategy: s, microBatches: m, layouts: &cache)
    let points = try #require(
      StagePartitioner(costs: costs).frontier(schedule: s.schedule, microBatches: m))
    // Each reported partition costs, re-evaluated, what the partitioner says.
    for point in points {
      let e = evaluate(point.layers)
      #expect(abs(e.timeS - point.time) <= 1e-9 * e.timeS)
      #expect(abs(e.memoryBytes - point.memory) <= 1e-9 * e.memoryBytes)
    }
    let found = Self.frontier(points.map { ($0.time, $0.memory) })
    #expect(found.count == brute.count, "\(points.map(\.layers)) vs \(brute)")
    for (a, b) in zip(found, brute) {
      #expect(abs(a.0 - b.0) <= 1e-9 * b.0)
      #expect(abs(a.1 - b.1) <= 1e-9 * b.1)
    }
  }

  /// On the A100 preset's analytic kernels the LM head is several layers' worth of time.
  @Test func gpt2OnFourStagesFindsAFasterSplitThanTheBalancedOne() throws {
    let model = try ModelLoader.load("gpt2")
    let cluster = ClusterPreset.a100With80GB.cluster(devices: 8)
    let s = ParallelStrategy(dataParallel: 2, pipelineStages: 4, microBatchSize: 1, dtype: .bf16)
    let graph = try model.graph(batchSize: 2, sequenceLength: 1024)
      .paddingVocabulary(toMultipleOf: s.vocabularyMultiple)
    var cache: [UniformPipelineCost.LayoutKey: UniformPipelineCost.Layouts] = [:]
    let costs = UniformPipelineCost(cluster: cluster).layerCosts(
      graph: graph, strategy: s, microBatches: 256, layouts: &cache)
    let points = try #require(
      StagePartitioner(costs: costs).frontier(schedule: s.schedule, microBatches: 256))
    let balanced = costs.cost(
      costs.stageTallies(s.partition(layers: 12)), schedule: s.schedule, interleave: 1,
      microBatches: 256)
    let fastest = try #require(points.first)
    #expect(fastest.time < balanced.time)
    #expect(fastest.layers != [3, 3, 3, 3])
    #expect(fastest.layers.reduce(0, +) == 12)
  }
}
