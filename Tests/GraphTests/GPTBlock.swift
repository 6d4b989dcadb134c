import TensorOptGraph

/// Builds one GPT-2 transformer layer with GraphBuilder, for tests.
func gptLayer(batch: Int, sequence: Int, hidden: Int, heads: Int) throws -> Graph {
  var b = GraphBuilder()
  let shape: Shape = [
    Dimension("batch", batch), Dimension("seq", sequence), Dimension("hidden", hidden),
  ]
  let wide: Shape = [
    Dimension("batch", batch), Dimension("seq", sequence), Dimension("ffn", 4 * hidden),
  ]
  let packed: Shape = [
    Dimension("batch", batch), Dimension("seq", sequence), Dimension("qkv", 3 * hidden),
  ]
  let x = try b.input("x", shape: shape, dtype: .bf16)
  let ln1 = try b.add("ln1", Operator(.layerNorm), inputs: [x], output: "ln1", shape: shape)
  let qkv = try b.add("qkv", Operator(.linear), inputs: [ln1], output: "qkv", shape: packed)
  var attention = OperatorAttributes()
  attention.heads = heads
  attention.causal = true
  let att = try b.add(
    "attn", Operator(.attention, attributes: attention), inputs: [qkv], output: "att", shape: shape)
  let proj = try b.add("proj", Operator(.linear), inputs: [att], output: "proj", shape: shape)
  let r1 = try b.add("res1", Operator(.add), inputs: [x, proj], output: "r1", shape: shape)
  let ln2 = try b.add("ln2", Operator(.layerNorm), inputs: [r1], output: "ln2", shape: shape)
  let fc1 = try b.add("fc1", Operator(.linear), inputs: [ln2], output: "fc1", shape: wide)
  let act = try b.add("gelu", Operator(.gelu), inputs: [fc1], output: "act", shape: wide)
  let fc2 = try b.add("fc2", Operator(.linear), inputs: [act], output: "fc2", shape: shape)
  let y = try b.add("res2", Operator(.add), inputs: [r1, fc2], output: "y", shape: shape)
  return b.build(outputs: [y])
}
