import Foundation
import TensorOptGraph
import TensorOptImport
import Testing

@Suite("Native model.json format")
struct NativeFormatTests {
  func small() throws -> Model {
    try ModelLoader.model(from: Data(TestSupport.smallModel.utf8), file: "model.json")
  }

  @Test("ops listed in any order are sorted so producers come first")
  func opsInAnyOrder() throws {
    let graph = try small().graph(batchSize: 4)
    #expect(graph.nodes.map(\.name) == ["fc1", "body", "fc2", "loss"])
  }

  @Test("batch and seq bind at instantiation; other symbols come from dims")
  func symbolsBind() throws {
    let graph = try small().graph(batchSize: 4)
    let fc1 = try #require(graph.nodes.first)
    #expect(graph.tensors[fc1.output].shape == [Dimension("batch", 4), Dimension("hidden", 64)])
    #expect(graph.tensors[fc1.output].shape.map(\.kind) == [.batch, .hidden])
  }

  @Test("label:size entries give the label and the size")
  func labelledSizes() throws {
    let graph = try small().graph(batchSize: 2)
    let block = try #require(graph.nodes[1].block)
    let up = try #require(block.body.nodes.first)
    #expect(block.body.tensors[up.output].shape == [Dimension("batch", 2), Dimension("ffn", 128)])
  }

  @Test("a repeated block is stored once with its repeat count and block name")
  func blocksStoredOnce() throws {
    let graph = try small().graph(batchSize: 2)
    let block = try #require(graph.nodes[1].block)
    #expect(block.repeatCount == 3)
    #expect(block.name == "layer")
    #expect(block.body.nodes.count == 4)
    #expect(graph.expandedOperatorCount == 3 + 3 * 4)
  }

  @Test("parameters count linear biases unless bias is false")
  func biasAttribute() throws {
    let parameters = try small().graph(batchSize: 1).totalMetrics(floatBytes: 4).parameters
    let block = 64 * 128 + 128 + 128 * 64 + 64
    #expect(parameters == (64 * 64 + 64) + 3 * block + 64 * 10)
  }

  @Test("window attributes accept an int or [height, width]")
  func windowPairs() throws {
    let json = """
      {"format": "tensoropt-model/1", "name": "c", "family": "vision",
       "training": {"global_batch_size": 4, "dtype": "bf16"},
       "inputs": [{"name": "img", "shape": ["batch", "channels:3", "height:32", "width:32"]}],
       "ops": [
        {"name": "conv", "kind": "conv2d", "inputs": ["img"], "shape": ["batch", "channels:8", "height:16", "width:32"],
         "kernel": [3, 1], "stride": [2, 1], "padding": [1, 0], "bias": false},
        {"name": "pool", "kind": "maxpool", "inputs": ["conv"], "shape": ["batch", "channels:8", "height:8", "width:16"],
         "kernel": 2},
        {"name": "gap", "kind": "global_avgpool", "inputs": ["pool"], "shape": ["batch", "channels:8"]},
        {"name": "loss", "kind": "cross_entropy", "inputs": ["gap"], "shape": []}],
       "outputs": ["loss"]}
      """
    let model = try ModelLoader.model(from: Data(json.utf8), file: "c.json")
    let graph = try model.graph(batchSize: 1)
    #expect(graph.nodes[0].op?.attributes.kernel == [3, 1])
    #expect(graph.nodes[1].op?.attributes.stride == [2, 2])
    #expect(graph.totalMetrics(floatBytes: 2).parameters == 8 * 3 * 3)
  }

  @Test("training defaults come from the file")
  func trainingDefaults() throws {
    let model = try TestSupport.zoo.load("llama2-7b")
    #expect(
      model.defaults == TrainingDefaults(globalBatchSize: 1024, sequenceLength: 4096, dtype: .bf16))
    #expect(model.family == .language)
    let resnet = try TestSupport.zoo.load("resnet50")
    #expect(resnet.defaults.sequenceLength == nil)
    #expect(resnet.defaults.globalBatchSize == 256)
  }

  @Test("a shorter sequence length rebuilds the graph with that length")
  func sequenceOverride() throws {
    let graph = try TestSupport.zoo.load("gpt2").graph(batchSize: 2, sequenceLength: 128)
    #expect(graph.tensors[graph.inputs[0]].shape.sizes == [2, 128])
  }

  @Test("GPT attention splits by heads; the qkv projection is labelled as heads")
  func attentionLayout() throws {
    let graph = try TestSupport.zoo.load("gpt2").graph(batchSize: 1)
    let layer = try #require(graph.nodes.first(where: { $0.block != nil })?.block)
    let qkv = try #require(layer.body.nodes.first(where: { $0.name == "qkv" }))
    #expect(layer.body.tensors[qkv.output].shape.last?.kind == .heads)
    let attention = try #require(layer.body.nodes.first(where: { $0.name == "attn" })?.op)
    #expect(attention.attributes.heads == 12)
    #expect(attention.attributes.causal)
  }

  @Test("zoo lookup finds the repository's Models directory without any setup")
  func zooLocates() throws {
    let zoo = try #require(ModelZoo.locate())
    #expect(zoo.names.contains("gpt2"))
    let model = try ModelLoader.load("mlp")
    #expect(model.name == "mlp")
  }

  @Test("ModelLoader reads a file path, native by its format key")
  func loadsPath() throws {
    let path = TestSupport.zoo.url(of: "vgg16").path
    let model = try ModelLoader.load(path)
    #expect(model.name == "vgg16")
    #expect(model.source == path)
  }
}

@Suite("Documentation")
struct DocumentationTests {
  @Test("the complete example in docs/model-format.md loads")
  func documentedExampleLoads() throws {
    let doc = TestSupport.zoo.directory.deletingLastPathComponent().appendingPathComponent(
      "docs/model-format.md")
    let text = try String(contentsOf: doc, encoding: .utf8)
    let start = try #require(text.range(of: "```json\n"))
    let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
    let model = try ModelLoader.model(
      from: Data(text[start.upperBound..<end.lowerBound].utf8), file: "example.json")
    #expect(model.name == "tiny-gpt")
    #expect(try model.graph(batchSize: 1).layerCount == 2)
  }
}
