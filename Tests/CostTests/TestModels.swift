import TensorOptGraph

/// Small graphs built with GraphBuilder for the cost tests.
enum TestModels {
  /// A GPT: token and position embeddings, `layers` pre-norm blocks, final norm,
  /// head (tied to `wte` when `tied`) and cross-entropy.
  static func gpt(
    batch: Int, sequence: Int, hidden: Int = 64, heads: Int = 4, ffn: Int = 256, vocab: Int = 512,
    layers: Int = 2,
    dtype: DType = .fp32, dropout: Bool = false, tied: Bool = false
  ) throws -> Graph {
    let x: Shape = [
      Dimension("batch", batch), Dimension("seq", sequence), Dimension("hidden", hidden),
    ]
    func shape(_ label: String, _ size: Int) -> Shape { [x[0], x[1], Dimension(label, size)] }
    var body = GraphBuilder()
    let input = try body.input("x", shape: x, dtype: dtype)
    var attention = OperatorAttributes()
    attention.heads = heads
    attention.causal = true
    let ln1 = try body.add("ln_1", Operator(.layerNorm), inputs: [input], output: "ln_1", shape: x)
    let qkv = try body.add(
      "qkv", Operator(.linear), inputs: [ln1], output: "qkv", shape: shape("qkv", 3 * hidden))
    let attn = try body.add(
      "attn", Operator(.attention, attributes: attention), inputs: [qkv], output: "attn", shape: x)
    let proj = try body.add(
      "attn_proj", Operator(.linear), inputs: [attn], output: "attn_proj", shape: x)
    let attnOut =
      dropout
      ? try body.add("attn_drop", Operator(.dropout), inputs: [proj], output: "attn_drop", shape: x)
      : proj
    let res1 = try body.add(
      "attn_residual", Operator(.add), inputs: [input, attnOut], output: "attn_residual", shape: x)
    let ln2 = try body.add("ln_2", Operator(.layerNorm), inputs: [res1], output: "ln_2", shape: x)
    let fc = try body.add(
      "fc", Operator(.linear), inputs: [ln2], output: "fc", shape: shape("ffn", ffn))
    let gelu = try body.add(
      "gelu", Operator(.gelu), inputs: [fc], output: "gelu", shape: shape("ffn", ffn))
    let fcProj = try body.add(
      "fc_proj", Operator(.linear), inputs: [gelu], output: "fc_proj", shape: x)
    let mlpOut =
      dropout
      ? try body.add("mlp_drop", Operator(.dropout), inputs: [fcProj], output: "mlp_drop", shape: x)
      : fcProj
    let res2 = try body.add(
      "mlp_residual", Operator(.add), inputs: [res1, mlpOut], output: "mlp_residual", shape: x)
    let layer = body.build(outputs: [res2])

    var g = GraphBuilder()
    let ids: Shape = [x[0], x[1]]
    let tokens = try g.input("tokens", shape: ids, dtype: .int32)
    let positions = try g.input("positions", shape: ids, dtype: .int32)
    var wteAttributes = OperatorAttributes()
    wteAttributes.rows = vocab
    var wpeAttributes = OperatorAttributes()
    wpeAttributes.rows = sequence
    let wte = try g.add(
      "wte", Operator(.embedding, attributes: wteAttributes), inputs: [tokens], output: "wte",
      shape: x, dtype: dtype)
    let wpe = try g.add(
      "wpe", Operator(.embedding, attributes: wpeAttributes), inputs: [positions], output: "wpe",
      shape: x, dtype: dtype)
    let embed = try g.add("embed", Operator(.add), inputs: [wte, wpe], output: "embed", shape: x)
    let blocks = try g.repeatBlock(
      "layers", body: layer, count: layers, input: embed, output: "layers")
    let lnf = try g.add("ln_f", Operator(.layerNorm), inputs: [blocks], output: "ln_f", shape: x)
    var head = OperatorAttributes()
    head.bias = false
    head.tiedTo = tied ? "wte" : nil
    let logits = try g.add(
      "lm_head", Operator(.linear, attributes: head), inputs: [lnf], output: "lm_head",
      shape: shape("vocab", vocab))
    let loss = try g.add(
      "loss", Operator(.crossEntropy), inputs: [logits], output: "loss", shape: [])
    return g.build(outputs: [loss])
  }

  /// The GPT above as a ``Model``.
  static func gptModel(
    hidden: Int = 64, heads: Int = 4, ffn: Int = 256, vocab: Int = 512, layers: Int = 2,
    batch: Int = 8,
    sequence: Int = 32
  ) -> Model {
    Model(
      name: "test-gpt", family: .language,
      defaults: TrainingDefaults(globalBatchSize: batch, sequenceLength: sequence, dtype: .fp32),
      source: "test"
    ) { b, s in
      try gpt(
        batch: b, sequence: s ?? sequence, hidden: hidden, heads: heads, ffn: ffn, vocab: vocab,
        layers: layers)
    }
  }
}
