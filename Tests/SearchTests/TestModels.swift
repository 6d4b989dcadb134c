import TensorOptGraph

/// Small model graphs built directly with the IR (independent of the importer).
enum TestModels {
  /// The zoo's `mlp`: four linear layers with ReLU and a softmax loss.
  static func mlp(batch: Int = 64, hidden: Int = 1024) throws -> Graph {
    var builder = GraphBuilder()
    let shape: Shape = [Dimension("batch", batch), Dimension("hidden", hidden)]
    var x = try builder.input("x", shape: shape, dtype: .fp32)
    for layer in 1...4 {
      x = try builder.add(
        "fc\(layer)", Operator(.linear), inputs: [x], output: "fc\(layer)", shape: shape)
      if layer < 4 {
        x = try builder.add(
          "relu\(layer)", Operator(.relu), inputs: [x], output: "relu\(layer)", shape: shape)
      }
    }
    let loss = try builder.add(
      "loss", Operator(.crossEntropy), inputs: [x], output: "loss", shape: [])
    return builder.build(outputs: [loss])
  }

  /// A GPT-style transformer: embeddings, `layers` pre-LN blocks (stored once),
  /// final norm, LM head (tied to the embedding when `tied`), loss.
  static func gpt(
    layers: Int = 12, batch: Int = 8, sequence: Int = 1024, hidden: Int = 768, heads: Int = 12,
    vocab: Int = 50_304, tied: Bool = false
  ) throws -> Graph {
    let activation: Shape = [
      Dimension("batch", batch), Dimension("seq", sequence), Dimension("hidden", hidden),
    ]
    var body = GraphBuilder()
    let x = try body.input("x", shape: activation, dtype: .bf16)
    let ln1 = try body.add(
      "ln_1", Operator(.layerNorm), inputs: [x], output: "ln_1", shape: activation)
    let qkv = try body.add(
      "qkv", Operator(.linear), inputs: [ln1], output: "qkv",
      shape: [Dimension("batch", batch), Dimension("seq", sequence), Dimension("qkv", 3 * hidden)])
    var attention = OperatorAttributes()
    attention.heads = heads
    attention.causal = true
    let attn = try body.add(
      "attn", Operator(.attention, attributes: attention), inputs: [qkv], output: "attn",
      shape: activation)
    let proj = try body.add(
      "attn_proj", Operator(.linear), inputs: [attn], output: "attn_proj", shape: activation)
    let residual = try body.add(
      "attn_residual", Operator(.add), inputs: [x, proj], output: "attn_residual", shape: activation
    )
    let ln2 = try body.add(
      "ln_2", Operator(.layerNorm), inputs: [residual], output: "ln_2", shape: activation)
    let fc = try body.add(
      "fc", Operator(.linear), inputs: [ln2], output: "fc",
      shape: [Dimension("batch", batch), Dimension("seq", sequence), Dimension("ffn", 4 * hidden)])
    let gelu = try body.add(
      "gelu", Operator(.gelu), inputs: [fc], output: "gelu",
      shape: [Dimension("batch", batch), Dimension("seq", sequence), Dimension("ffn", 4 * hidden)])
    let fcProj = try body.add(
      "fc_proj", Operator(.linear), inputs: [gelu], output: "fc_proj", shape: activation)
    let out = try body.add(
      "mlp_residual", Operator(.add), inputs: [residual, fcProj], output: "mlp_residual",
      shape: activation)
    let layer = body.build(outputs: [out])

    var builder = GraphBuilder()
    let tokens = try builder.input(
      "tokens", shape: [Dimension("batch", batch), Dimension("seq", sequence)], dtype: .int32)
    var embedding = OperatorAttributes()
    embedding.rows = vocab
    let wte = try builder.add(
      "wte", Operator(.embedding, attributes: embedding), inputs: [tokens], output: "wte",
      shape: activation)
    let layersOut = try builder.repeatBlock(
      "layers", body: layer, count: layers, input: wte, output: "layers")
    let lnF = try builder.add(
      "ln_f", Operator(.layerNorm), inputs: [layersOut], output: "ln_f", shape: activation)
    var head = OperatorAttributes()
    head.bias = false
    head.tiedTo = tied ? "wte" : nil
    let logits = try builder.add(
      "lm_head", Operator(.linear, attributes: head), inputs: [lnF], output: "lm_head",
      shape: [Dimension("batch", batch), Dimension("seq", sequence), Dimension("vocab", vocab)])
    let loss = try builder.add(
      "loss", Operator(.crossEntropy), inputs: [logits], output: "loss", shape: [])
    return builder.build(outputs: [loss])
  }
}
