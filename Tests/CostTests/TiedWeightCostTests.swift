import TensorOptGraph
import Testing

@testable import TensorOptCost

/// The cost of a `tied_to` operator using its owner's weight in another layout.
@Suite("Tied weights")
struct TiedWeightCostTests {
  /// Vocabulary 512 × width 64 in fp32: 131,072 bytes of weights, as many of gradients.
  static let weightBytes = 512.0 * 64 * 4

  func costs(owner: String?, tied: String?) throws -> CostVector {
    let graph = try TestModels.gpt(batch: 8, sequence: 32, tied: true)
    let model = AnalyticalStageCost(
      mesh: DeviceMesh([4]), cluster: Fixtures.cluster(), options: TrainingOptions(dtype: .fp32))
    let pairs = graph.tiedPairs
    #expect(pairs.count == 1)
    let pair = try #require(pairs.first)
    #expect(graph.nodes[pair.owner].name == "wte" && graph.nodes[pair.tied].name == "lm_head")
    return model.tiedWeightCost(
      owner: graph.nodes[pair.owner], configuration: OpConfiguration([owner]),
      tied: graph.nodes[pair.tied], configuration: OpConfiguration([tied]), in: graph)
  }

  /// Ring collective over 4 devices of the fixture's intra-node link (100 GB/s, 2 µs).
  func ring(bytes: Double, steps: Double) -> Double {
    steps * (3.0 / 4 * bytes / 100e9 + 3 * 2e-6)
  }

  @Test("the same layout on both sides (vocabulary-parallel, or both data-parallel) costs nothing")
  func sameLayoutIsFree() throws {
    #expect(try costs(owner: "vocab", tied: "out") == .zero)
    #expect(try costs(owner: "batch", tied: "batch") == .zero)
  }

  @Test(
    "a data-parallel head on a vocabulary-parallel table keeps a copy and moves weight and gradient"
  )
  func differentLayoutPaysCopyAndCollectives() throws {
    let cost = try costs(owner: "vocab", tied: "batch")
    // all-gather of the weight into the head's replicated copy, reduce-scatter of
    // the head's batch-partial gradient back into the table's vocabulary shards.
    let expected = ring(bytes: Self.weightBytes, steps: 1) + ring(bytes: Self.weightBytes, steps: 1)
    #expect(abs(cost.time - expected) <= 1e-12 * expected)
    #expect(cost.memory == 2 * Self.weightBytes)
  }

  @Test("a replicated table with a data-parallel head all-reduces the head's gradient")
  func partialGradientIsReduced() throws {
    let cost = try costs(owner: nil, tied: "batch")
    let expected = ring(bytes: Self.weightBytes, steps: 2)
    #expect(abs(cost.time - expected) <= 1e-12 * expected)
    #expect(cost.memory == 0)
  }
}
