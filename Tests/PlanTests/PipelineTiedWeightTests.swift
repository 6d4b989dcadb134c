import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan

/// A weight tied across pipeline stages (GPT-2's LM head tied to `wte`) keeps a
/// replica on the head's stage and all-reduces its gradient between the stages.
@Suite("Tied weights across pipeline stages")
struct PipelineTiedWeightTests {
  static let link = LinkSpec(bandwidth: 100e9, latency: 2e-6)
  static let cluster = Cluster(
    name: "test", deviceCount: 4, devicesPerNode: 8,
    device: DeviceSpec(
      name: "test device", memoryBytes: 80e9, peakFLOPs: [.fp32: 100e12], memoryBandwidth: 1e12,
      efficiency: KernelEfficiency(maxEfficiency: 1, halfDimension: 0, overhead: 0)),
    intraNode: link, interNode: LinkSpec(bandwidth: 10e9, latency: 10e-6))

  /// gpt2 for one micro-batch of every replica, vocabulary padded (50257 → 50304), and
  /// the same graph with the head owning its weight.
  static func graphs(dataParallel: Int) throws -> (tied: Graph, untied: Graph) {
    let model = try ModelLoader.load("gpt2")
    let tied = try model.graph(batchSize: dataParallel, sequenceLength: 64)
      .paddingVocabulary(toMultipleOf: 128)
    var untied = tied
    for index in untied.nodes.indices where untied.nodes[index].op?.attributes.tiedTo != nil {
      untied.nodes[index] = TiedWeight.replica(of: untied.nodes[index])
    }
    return (tied, untied)
  }

  static func evaluate(_ graph: Graph, _ s: ParallelStrategy) -> Evaluation {
    StrategyEvaluator(cluster: cluster).evaluate(
      graph: graph, modelName: "gpt2", family: .language, globalBatchSize: 4 * s.dataParallel,
      sequenceLength: 64, microBatches: 4, strategy: s)
  }

  @Test(arguments: [(1, 0), (2, 1), (2, 3)])
  func replicaCostsAsAnOwnedWeightPlusTheCrossStageAllReduce(dataParallel: Int, zero: Int) throws {
    let (tied, untied) = try Self.graphs(dataParallel: dataParallel)
    let s = ParallelStrategy(
      dataParallel: dataParallel, pipelineStages: 2, microBatchSize: 1, zeroStage: zero,
      dtype: .fp32)
    let withTie = Self.evaluate(tied, s)
    let owned = Self.evaluate(untied, s)
    // Memory: the head's stage holds the weight's states exactly as if it owned it
    // (ZeRO-sharded as any parameter of its layout); the embedding's stage is unchanged.
    for (a, b) in zip(withTie.breakdown.stages, owned.breakdown.stages) {
      #expect(abs(a.peakMemoryBytes - b.peakMemoryBytes) <= 1e-9 * b.peakMemoryBytes)
    }
    // Time: both stages' tails gain the all-reduce of the fp32 gradient of the
    // 50304 × 768 table over the pair of devices 0 and dp (one node): n/B + 2α.
    let bytes = 50304.0 * 768 * 4
    let allReduce = bytes / Self.link.bandwidth + 2 * Self.link.latency
    #expect(abs(withTie.timeS - owned.timeS - allReduce) <= 1e-9 * withTie.timeS)
  }

  @Test func aSingleStageHoldsTheWeightOnce() throws {
    let (tied, untied) = try Self.graphs(dataParallel: 1)
    let s = ParallelStrategy(dataParallel: 1, microBatchSize: 1, dtype: .fp32)
    let withTie = Self.evaluate(tied, s)
    let owned = Self.evaluate(untied, s)
    // Untying adds the head's own 50304 × 768 weight: 16 bytes per parameter (fp32 + Adam).
    let replica = 50304.0 * 768 * 16
    #expect(
      abs(owned.memoryBytes - withTie.memoryBytes - replica) <= 1e-9 * owned.memoryBytes)
  }

  @Test(arguments: [[3, 9], [6, 6], [11, 1]])
  func screeningChargesTheTieAsTheEvaluatorDoes(split: [Int]) throws {
    let (tied, _) = try Self.graphs(dataParallel: 2)
    var s = ParallelStrategy(
      dataParallel: 2, pipelineStages: 2, microBatchSize: 1, zeroStage: 1, dtype: .fp32)
    s.stageLayers = split
    let evaluation = Self.evaluate(tied, s)
    let screen = UniformPipelineCost(cluster: Self.cluster)
    var cache: [UniformPipelineCost.LayoutKey: UniformPipelineCost.Layouts] = [:]
    let costs = screen.layerCosts(graph: tied, strategy: s, microBatches: 4, layouts: &cache)
    let cost = costs.cost(
      costs.stageTallies(s.partition(layers: tied.layerCount)), schedule: s.schedule,
      interleave: 1, microBatches: 4)
    #expect(abs(cost.time - evaluation.timeS) <= 1e-9 * evaluation.timeS)
    #expect(abs(cost.memory - evaluation.memoryBytes) <= 1e-9 * evaluation.memoryBytes)
  }
}
