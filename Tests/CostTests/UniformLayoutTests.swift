import TensorOptGraph
import Testing

@testable import TensorOptCost

@Suite("The Megatron uniform layout and its communication")
struct UniformLayoutTests {
  let mesh = DeviceMesh([2, 4])

  func assignments(_ graph: Graph, _ configuration: GraphConfiguration) -> [String: [String?]] {
    var result: [String: [String?]] = [:]
    for (index, node) in graph.nodes.enumerated() {
      switch configuration.nodes[index] {
      case .op(let config): result[node.name] = config.assignments
      case .block(let body):
        guard let block = node.block else { continue }
        for (inner, bodyNode) in block.body.nodes.enumerated() {
          if case .op(let config) = body.nodes[inner] { result[bodyNode.name] = config.assignments }
        }
      }
    }
    return result
  }

  @Test func megatronLayoutSplitsColumnsThenRowsAndHeads() throws {
    let graph = try TestModels.gpt(batch: 4, sequence: 16)
    let a = assignments(graph, UniformLayout.megatron(graph: graph, mesh: mesh, tensorAxis: 1))
    #expect(a["qkv"] == ["batch", "out"])
    #expect(a["attn"] == ["batch", "heads"])
    #expect(a["attn_proj"] == ["batch", "in"])
    #expect(a["attn_residual"] == ["batch", nil])
    #expect(a["ln_1"] == ["batch", nil])
    #expect(a["fc"] == ["batch", "out"])
    #expect(a["gelu"] == ["batch", "ffn"])
    #expect(a["fc_proj"] == ["batch", "in"])
    #expect(a["wte"] == ["batch", "vocab"])
    #expect(a["lm_head"] == ["batch", "out"])
    #expect(a["loss"] == ["batch", "vocab"])
  }

  @Test func sequenceParallelSplitsNormsAndResidualsAlongTheSequence() throws {
    let graph = try TestModels.gpt(batch: 4, sequence: 16)
    let a = assignments(
      graph, UniformLayout.megatron(graph: graph, mesh: mesh, tensorAxis: 1, sequenceParallel: true)
    )
    for name in ["embed", "ln_1", "attn_residual", "ln_2", "mlp_residual", "ln_f"] {
      #expect(a[name] == ["batch", "seq"], "\(name)")
    }
    #expect(a["qkv"] == ["batch", "out"] && a["fc_proj"] == ["batch", "in"])
  }

  @Test func indivisibleHeadsFallBackToReplication() throws {
    let graph = try TestModels.gpt(
      batch: 4, sequence: 16, hidden: 48, heads: 3, ffn: 192, vocab: 510)
    let a = assignments(graph, UniformLayout.megatron(graph: graph, mesh: mesh, tensorAxis: 1))
    #expect(a["attn"] == ["batch", nil])
    #expect(a["wte"] == ["batch", nil])  // 510 rows do not split four ways
  }

  /// The tensor-parallel re-layout seconds of one layer of `graph`.
  func layerCommunication(_ graph: Graph, sequenceParallel: Bool, model: AnalyticalStageCost) throws
    -> Double
  {
    let configuration = UniformLayout.megatron(
      graph: graph, mesh: mesh, tensorAxis: 1, sequenceParallel: sequenceParallel)
    let index = try #require(graph.nodes.firstIndex { $0.block != nil })
    guard case .block(let bodyConfig) = configuration.nodes[index],
      let block = graph.nodes[index].block
    else {
      Issue.record("no block")
      return 0
    }
    let outer = UniformLayout.producedLayouts(
      graph: graph, configuration: configuration, mesh: mesh)
    let steady = try #require(outer[graph.nodes[index].output])
    let layouts = UniformLayout.producedLayouts(
      graph: block.body, configuration: bodyConfig, mesh: mesh,
      inputLayouts: [block.body.inputs[0]: steady])
    var total = 0.0
    for (position, node) in block.body.nodes.enumerated() {
      guard case .op(let config) = bodyConfig.nodes[position], let op = node.op else { continue }
      let inputs = block.body.inputTensors(of: node)
      let dims = op.parallelDimensions(
        inputs: inputs.map(\.shape), output: block.body.outputTensor(of: node).shape)
      let placement = config.placement(dimensions: dims, inputCount: inputs.count, on: mesh)
      for (slot, id) in node.inputs.enumerated() {
        guard let produced = layouts[id] else { continue }
        total += model.relayoutTime(
          of: block.body.tensors[id], from: produced, to: placement.inputs[slot],
          gradientFrom: placement.inputGradients[slot], gradientTo: produced)
      }
    }
    return total
  }

  @Test func eachLayerAllReducesTwiceForwardAndTwiceBackward() throws {
    let graph = try TestModels.gpt(batch: 4, sequence: 16)
    let model = AnalyticalStageCost(
      mesh: mesh, cluster: Fixtures.cluster(), options: TrainingOptions(dtype: .fp32))
    let bytes = 4.0 / 2 * 16 * 64 * 4  // the layer's activation [b/dp, s, h] in fp32
    let g = 4.0
    let allReduce = 2 * (g - 1) / g * bytes / 100e9 + 2 * (g - 1) * 2e-6
    let measured = try layerCommunication(graph, sequenceParallel: false, model: model)
    #expect(abs(measured - 4 * allReduce) < 1e-15)
  }

  @Test func sequenceParallelTradesEachAllReduceForAGatherAndAScatter() throws {
    let graph = try TestModels.gpt(batch: 4, sequence: 16)
    let model = AnalyticalStageCost(
      mesh: mesh, cluster: Fixtures.cluster(), options: TrainingOptions(dtype: .fp32))
    let bytes = 4.0 / 2 * 16 * 64 * 4
    let g = 4.0
    let onePass = (g - 1) / g * bytes / 100e9 + (g - 1) * 2e-6
    let measured = try layerCommunication(graph, sequenceParallel: true, model: model)
    #expect(abs(measured - 8 * onePass) < 1e-15)
  }
}

@Suite("Vocabulary padding")
struct VocabularyPaddingTests {
  @Test func paddingMakesEmbeddingHeadAndLossSplittable() throws {
    let graph = try TestModels.gpt(batch: 4, sequence: 16, vocab: 510)
    #expect(graph.vocabularySize == 510)
    let padded = graph.paddingVocabulary(toMultipleOf: 128 * 4)
    #expect(padded.vocabularySize == 512)
    let wte = try #require(padded.nodes.first { $0.name == "wte" }?.op)
    #expect(wte.attributes.rows == 512)
    let wpe = try #require(padded.nodes.first { $0.name == "wpe" }?.op)
    #expect(wpe.attributes.rows == 16)  // positions are not the vocabulary
    let mesh = DeviceMesh([1, 4])
    let configuration = UniformLayout.megatron(graph: padded, mesh: mesh)
    let head = try #require(padded.nodes.firstIndex { $0.name == "lm_head" })
    #expect(configuration.operatorConfiguration(at: head) == OpConfiguration(["batch", "out"]))
  }

  @Test func aMultipleAlreadyMetLeavesTheGraphAlone() throws {
    let graph = try TestModels.gpt(batch: 4, sequence: 16, vocab: 512)
    #expect(graph.paddingVocabulary(toMultipleOf: 128).vocabularySize == 512)
  }
}
