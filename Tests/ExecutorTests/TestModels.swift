import TensorOptGraph

/// Tiny models for executor tests, built with ``GraphBuilder``.
enum TestModels {
  static func d(_ label: String, _ size: Int) -> Dimension { Dimension(label, size) }

  /// `x → fc1 → gelu → fc2 → head → cross_entropy` on `[batch, hidden]` inputs.
  static func mlp(batch: Int = 4, hidden: Int = 8, ffn: Int = 16, vocab: Int = 6) throws -> Graph {
    var b = GraphBuilder()
    let x = try b.input("x", shape: [d("batch", batch), d("hidden", hidden)], dtype: .fp32)
    let h1 = try b.add(
      "fc1", Operator(.linear), inputs: [x], output: "h1",
      shape: [d("batch", batch), d("ffn", ffn)])
    let a = try b.add(
      "act", Operator(.gelu), inputs: [h1], output: "a", shape: [d("batch", batch), d("ffn", ffn)])
    let h2 = try b.add(
      "fc2", Operator(.linear), inputs: [a], output: "h2",
      shape: [d("batch", batch), d("hidden", hidden)])
    let logits = try b.add(
      "head", Operator(.linear), inputs: [h2], output: "logits",
      shape: [d("batch", batch), d("vocab", vocab)])
    let loss = try b.add(
      "loss", Operator(.crossEntropy), inputs: [logits], output: "loss", shape: [])
    return b.build(outputs: [loss])
  }

  /// A pre-norm transformer: embedding, `layers` blocks (layernorm, qkv, causal
  /// GQA attention, projection, residual, layernorm, MLP, residual), final norm,
  /// vocabulary head and cross-entropy.
  static func transformer(
    batch: Int = 4, sequence: Int = 4, hidden: Int = 8, heads: Int = 4, kvHeads: Int = 2,
    ffn: Int = 16,
    vocab: Int = 12, layers: Int = 2, tiedHead: Bool = false
  ) throws -> Graph {
    let headDim = hidden / heads
    let tokens = [d("batch", batch), d("seq", sequence)]
    let width = tokens + [d("hidden", hidden)]
    var body = GraphBuilder()
    let h = try body.input("h", shape: width, dtype: .fp32)
    let n1 = try body.add("ln1", Operator(.layerNorm), inputs: [h], output: "n1", shape: width)
    let qkv = try body.add(
      "qkv", Operator(.linear), inputs: [n1], output: "qkv",
      shape: tokens + [d("qkv", (heads + 2 * kvHeads) * headDim)])
    var attention = OperatorAttributes()
    attention.heads = heads
    attention.kvHeads = kvHeads
    attention.causal = true
    let att = try body.add(
      "attn", Operator(.attention, attributes: attention), inputs: [qkv], output: "att",
      shape: width)
    let proj = try body.add("proj", Operator(.linear), inputs: [att], output: "proj", shape: width)
    let r1 = try body.add("res1", Operator(.add), inputs: [h, proj], output: "r1", shape: width)
    let n2 = try body.add("ln2", Operator(.layerNorm), inputs: [r1], output: "n2", shape: width)
    let f1 = try body.add(
      "fc1", Operator(.linear), inputs: [n2], output: "f1", shape: tokens + [d("ffn", ffn)])
    let g = try body.add(
      "act", Operator(.gelu), inputs: [f1], output: "g", shape: tokens + [d("ffn", ffn)])
    let f2 = try body.add("fc2", Operator(.linear), inputs: [g], output: "f2", shape: width)
    let r2 = try body.add("res2", Operator(.add), inputs: [r1, f2], output: "r2", shape: width)
    let layer = body.build(outputs: [r2])

    var b = GraphBuilder()
    let ids = try b.input("ids", shape: tokens, dtype: .int32)
    var table = OperatorAttributes()
    table.rows = vocab
    let e = try b.add(
      "embed", Operator(.embedding, attributes: table), inputs: [ids], output: "e", shape: width)
    let out = try b.repeatBlock("layers", body: layer, count: layers, input: e, output: "out")
    let nf = try b.add("lnf", Operator(.layerNorm), inputs: [out], output: "nf", shape: width)
    var noBias = OperatorAttributes()
    noBias.bias = false
    if tiedHead { noBias.tiedTo = "embed" }
    let logits = try b.add(
      "head", Operator(.linear, attributes: noBias), inputs: [nf], output: "logits",
      shape: tokens + [d("vocab", vocab)])
    let loss = try b.add(
      "loss", Operator(.crossEntropy), inputs: [logits], output: "loss", shape: [])
    return b.build(outputs: [loss])
  }
}
