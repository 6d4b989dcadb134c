import TensorOptGraph
import Testing

@Suite("Shape checks")
struct ShapeCheckTests {
  let x: Shape = [Dimension("batch", 4), Dimension("hidden", 16)]

  @Test("a linear layer whose declared leading dimension differs is rejected, naming the node")
  func linearLeadingMismatch() throws {
    var b = GraphBuilder()
    let input = try b.input("x", shape: x, dtype: .fp32)
    #expect(throws: GraphError.self) {
      try b.add(
        "fc", Operator(.linear), inputs: [input], output: "y",
        shape: [Dimension("batch", 5), Dimension("ffn", 8)])
    }
    do {
      try b.add(
        "fc", Operator(.linear), inputs: [input], output: "y2",
        shape: [Dimension("batch", 5), Dimension("ffn", 8)])
    } catch {
      #expect(error.subject == "fc")
    }
  }

  @Test("a non-positive dimension is rejected")
  func nonPositiveDimension() {
    var b = GraphBuilder()
    #expect(throws: GraphError.self) {
      try b.input("x", shape: [Dimension("batch", 0)], dtype: .fp32)
    }
  }

  @Test("a shape whose element count overflows 64 bits is rejected")
  func overflowingShape() {
    var b = GraphBuilder()
    let huge = Dimension("hidden", 1 << 40)
    #expect(throws: GraphError.self) { try b.input("x", shape: [huge, huge], dtype: .fp32) }
  }

  @Test("attention checks the packed q/k/v width for grouped-query attention")
  func groupedQueryAttentionWidth() throws {
    var attributes = OperatorAttributes()
    attributes.heads = 8
    attributes.kvHeads = 2
    let op = Operator(.attention, attributes: attributes)
    let out: Shape = [Dimension("batch", 1), Dimension("seq", 4), Dimension("hidden", 64)]
    let good: Shape = [Dimension("batch", 1), Dimension("seq", 4), Dimension("qkv", (8 + 4) * 8)]
    let bad: Shape = [Dimension("batch", 1), Dimension("seq", 4), Dimension("qkv", 3 * 64)]
    #expect(op.shapeProblem(inputs: [good], output: out) == nil)
    #expect(op.shapeProblem(inputs: [bad], output: out) != nil)
  }

  @Test("convolution output size follows (h + 2p − k)/s + 1")
  func convolutionOutputSize() {
    var attributes = OperatorAttributes()
    attributes.kernel = [7, 7]
    attributes.stride = [2, 2]
    attributes.padding = [3, 3]
    let op = Operator(.conv2d, attributes: attributes)
    let image: Shape = [
      Dimension("batch", 1), Dimension("channels", 3), Dimension("height", 224),
      Dimension("width", 224),
    ]
    let out112: Shape = [
      Dimension("batch", 1), Dimension("channels", 64), Dimension("height", 112),
      Dimension("width", 112),
    ]
    let out111: Shape = [
      Dimension("batch", 1), Dimension("channels", 64), Dimension("height", 111),
      Dimension("width", 111),
    ]
    #expect(op.shapeProblem(inputs: [image], output: out112) == nil)
    #expect(op.shapeProblem(inputs: [image], output: out111) != nil)
  }
}
