import TensorOptGraph
import Testing

@Suite("Operator metrics")
struct OperatorMetricsTests {
  @Test("a GPT-2 layer has 12h² + 13h parameters")
  func gptLayerParameters() throws {
    let h = 768
    let layer = try gptLayer(batch: 1, sequence: 1024, hidden: h, heads: 12)
    #expect(layer.totalMetrics(floatBytes: 2).parameters == 12 * h * h + 13 * h)
    #expect(layer.totalMetrics(floatBytes: 2).parameters == 7_087_872)
  }

  @Test("a GPT-2 layer's forward FLOPs are 24·s·h² + 4·s²·h plus under 2% of element-wise work")
  func gptLayerForwardFLOPs() throws {
    let (s, h) = (1024.0, 768.0)
    let layer = try gptLayer(batch: 1, sequence: Int(s), hidden: Int(h), heads: 12)
    let closedForm = 24 * s * h * h + 4 * s * s * h
    let flops = layer.totalMetrics(floatBytes: 2).forwardFLOPs
    #expect(flops >= closedForm)
    #expect(flops / closedForm < 1.02)
  }

  @Test("backward of a linear layer costs twice its forward matrix product")
  func linearBackwardIsTwiceForward() throws {
    var b = GraphBuilder()
    var attributes = OperatorAttributes()
    attributes.bias = false
    let x = try b.input("x", shape: [Dimension("batch", 8), Dimension("hidden", 64)], dtype: .fp32)
    _ = try b.add(
      "fc", Operator(.linear, attributes: attributes), inputs: [x], output: "y",
      shape: [Dimension("batch", 8), Dimension("ffn", 32)])
    let m = b.build(outputs: [1]).totalMetrics(floatBytes: 4)
    #expect(m.forwardFLOPs == 2 * 8 * 64 * 32)
    #expect(m.backwardFLOPs == 4 * 8 * 64 * 32)
    #expect(m.parameters == 64 * 32)
    #expect(m.savedActivationBytes == 8 * 64 * 4)
  }

  @Test("a repeated block counts its body once per repetition")
  func repeatedBlockScalesMetrics() throws {
    let layer = try gptLayer(batch: 2, sequence: 16, hidden: 32, heads: 4)
    var b = GraphBuilder()
    let shape: Shape = [Dimension("batch", 2), Dimension("seq", 16), Dimension("hidden", 32)]
    let x = try b.input("x", shape: shape, dtype: .bf16)
    let y = try b.repeatBlock("layers", body: layer, count: 48, input: x, output: "y")
    let model = b.build(outputs: [y])
    let one = layer.totalMetrics(floatBytes: 2)
    #expect(model.totalMetrics(floatBytes: 2) == one.repeated(48))
    #expect(model.layerCount == 48)
    #expect(model.expandedOperatorCount == 48 * 10)
  }

  @Test("a conv2d 3×3 layer has c_out·c_in·9 weights and 2·9·c_in FLOPs per output element")
  func convolutionMetrics() throws {
    var b = GraphBuilder()
    var attributes = OperatorAttributes()
    attributes.kernel = [3, 3]
    attributes.padding = [1, 1]
    attributes.bias = false
    let x = try b.input(
      "x",
      shape: [
        Dimension("batch", 2), Dimension("channels", 16), Dimension("height", 8),
        Dimension("width", 8),
      ],
      dtype: .fp32)
    let outShape: Shape = [
      Dimension("batch", 2), Dimension("channels", 32), Dimension("height", 8),
      Dimension("width", 8),
    ]
    let y = try b.add(
      "conv", Operator(.conv2d, attributes: attributes), inputs: [x], output: "y", shape: outShape)
    let m = b.build(outputs: [y]).totalMetrics(floatBytes: 4)
    #expect(m.parameters == 32 * 16 * 9)
    #expect(m.forwardFLOPs == Double(2 * 32 * 8 * 8) * 2 * 16 * 9)
  }
}
