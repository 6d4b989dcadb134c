import TensorOptGraph
import TensorOptImport
import Testing

@Suite("Zoo parameter counts")
struct ZooParameterCountTests {
  @Test(
    "zoo model has the published parameter count exactly",
    arguments: [
      ("gpt2", 124_439_808),
      ("gpt2-medium", 354_823_168),
      ("gpt2-large", 774_030_080),
      ("gpt2-xl", 1_557_611_200),
      ("llama2-7b", 6_738_415_616),
      ("llama2-70b", 68_976_648_192),
      ("resnet50", 25_557_032),
      ("vgg16", 138_357_544),
    ])
  func exactParameterCount(name: String, expected: Int) throws {
    #expect(try TestSupport.summary(name).parameters == expected)
  }

  @Test("bert-large has within 1% of 335 million parameters")
  func bertLarge() throws {
    let parameters = Double(try TestSupport.summary("bert-large").parameters)
    #expect(abs(parameters - 335e6) / 335e6 < 0.01)
  }

  @Test("gpt3-175b has within 1% of 175 billion parameters")
  func gpt3() throws {
    let parameters = Double(try TestSupport.summary("gpt3-175b").parameters)
    #expect(abs(parameters - 175e9) / 175e9 < 0.01)
  }

  @Test("the zoo lists every expected model")
  func zooNames() {
    let expected = [
      "bert-large", "gpt-mini", "gpt2", "gpt2-large", "gpt2-medium", "gpt2-xl", "gpt3-175b",
      "llama2-70b",
      "llama2-7b", "mlp", "resnet50", "vgg16",
    ]
    #expect(TestSupport.zoo.names == expected)
  }

  @Test("every zoo model loads and ends in a scalar loss")
  func everyModelLoads() throws {
    for name in TestSupport.zoo.names {
      let model = try TestSupport.zoo.load(name)
      #expect(model.name == name)
      let graph = try model.graph(batchSize: 2)
      let loss = try #require(graph.outputs.first)
      #expect(graph.tensors[loss].shape.isEmpty, "\(name)")
      #expect(graph.nodes.last?.op?.kind == .crossEntropy, "\(name)")
    }
  }

  @Test("small test models stay small: mlp and gpt-mini")
  func smallModels() throws {
    let mlp = try TestSupport.summary("mlp")
    #expect(mlp.operatorCount <= 10)
    #expect(mlp.parameters < 5_000_000)
    let mini = try TestSupport.summary("gpt-mini")
    #expect(mini.layerCount == 4)
    #expect(mini.sequenceLength == 128)
    #expect(mini.dtype == "fp32")
    #expect(mini.parameters < 6_000_000)
  }
}
