import TensorOptGraph
import Testing

@testable import TensorOptCost

@Suite("Per-layer activation memory reproduces Megatron's formulas")
struct ActivationMemoryTests {
  // Korthikanti et al. 2022, Eq. 1-4, in 16-bit bytes with s·b·h factored out. The IR's
  // attention keeps one s×s score matrix per head (2as²b bytes) where Megatron's Eq. 1
  // counts 5as²b (scores, softmax output, dropout mask and output).
  let b = 4.0
  let s = 32.0
  let h = 64.0
  let a = 4.0

  func layerActivations(tensorParallel t: Int, sequenceParallel: Bool) throws -> Double {
    let graph = try TestModels.gpt(batch: Int(b), sequence: Int(s), dropout: true)
    let mesh = DeviceMesh([1, t])
    let configuration = UniformLayout.megatron(
      graph: graph, mesh: mesh, sequenceParallel: sequenceParallel)
    let index = try #require(graph.nodes.firstIndex { $0.block != nil })
    guard case .block(let body) = configuration.nodes[index], let block = graph.nodes[index].block
    else { return 0 }
    let model = AnalyticalStageCost(
      mesh: mesh, cluster: Fixtures.cluster(), options: TrainingOptions(dtype: .bf16))
    return block.body.nodes.indices.reduce(0.0) { total, position in
      guard let config = body.operatorConfiguration(at: position) else { return total }
      return total
        + model.breakdown(
          of: block.body.nodes[position], in: block.body, configuration: config, insideBlock: true
        )
        .activationBytes
    }
  }

  @Test func withoutParallelismALayerSavesThirtyFourSBHPlusScores() throws {
    // The last term: two layernorms' fp32 mean and rstd.
    let expected = s * b * h * 34 + 2 * a * s * s * b + 2 * 8 * s * b
    #expect(try layerActivations(tensorParallel: 1, sequenceParallel: false) == expected)
  }

  @Test func tensorParallelismSplitsTwentyFourOfTheThirtyFour() throws {
    let t = 4.0
    let expected = s * b * h * (10 + 24 / t) + 2 * a * s * s * b / t + 2 * 8 * s * b
    #expect(try layerActivations(tensorParallel: 4, sequenceParallel: false) == expected)
  }

  @Test func sequenceParallelismSplitsAllButTheGatheredLinearInputs() throws {
    // Megatron re-gathers the two column-parallel linears' inputs in backward to reach 34/t;
    // the per-operator model keeps them gathered (4 + 30/t) and saves that all-gather.
    let t = 4.0
    let expected = s * b * h * (4 + 30 / t) + 2 * a * s * s * b / t + 2 * 8 * s * b / t
    #expect(try layerActivations(tensorParallel: 4, sequenceParallel: true) == expected)
  }
}
