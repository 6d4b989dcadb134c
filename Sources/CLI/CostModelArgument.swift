import ArgumentParser
import TensorOpt

/// Resolves the MODEL argument of `evaluate`.
enum CostModelArgument {
  /// The model `argument` names. Until the importer lands this knows built-in
  /// GPT shapes only (`gpt2`, `gpt-mini`).
  static func load(_ argument: String) throws -> Model {
    switch argument {
    case "gpt2": return BuiltinGPT.model(name: "gpt2", hidden: 768, heads: 12, layers: 12, vocab: 50257, sequence: 1024, batch: 512)
    case "gpt-mini": return BuiltinGPT.model(name: "gpt-mini", hidden: 256, heads: 8, layers: 4, vocab: 2048, sequence: 128, batch: 8)
    default: throw CostCommandSupport.userError("unknown model '\(argument)' (known: gpt2, gpt-mini)")
    }
  }
}

/// A stand-in GPT builder until the importer's zoo is merged.
enum BuiltinGPT {
  static func model(name: String, hidden: Int, heads: Int, layers: Int, vocab: Int, sequence: Int, batch: Int) -> Model {
    Model(
      name: name, family: .language,
      defaults: TrainingDefaults(globalBatchSize: batch, sequenceLength: sequence, dtype: .bf16), source: "built-in"
    ) { b, s in
      try graph(batch: b, sequence: s ?? sequence, hidden: hidden, heads: heads, layers: layers, vocab: vocab)
    }
  }

  static func graph(batch: Int, sequence: Int, hidden: Int, heads: Int, layers: Int, vocab: Int) throws -> Graph {
    let x: Shape = [Dimension("batch", batch), Dimension("seq", sequence), Dimension("hidden", hidden)]
    func wide(_ label: String, _ size: Int) -> Shape { [x[0], x[1], Dimension(label, size)] }
    var body = GraphBuilder()
    let input = try body.input("x", shape: x, dtype: .fp32)
    var attention = OperatorAttributes()
    attention.heads = heads
    attention.causal = true
    let ln1 = try body.add("ln_1", Operator(.layerNorm), inputs: [input], output: "ln_1", shape: x)
    let qkv = try body.add("qkv", Operator(.linear), inputs: [ln1], output: "qkv", shape: wide("qkv", 3 * hidden))
    let attn = try body.add("attn", Operator(.attention, attributes: attention), inputs: [qkv], output: "attn", shape: x)
    let proj = try body.add("attn_proj", Operator(.linear), inputs: [attn], output: "attn_proj", shape: x)
    let res1 = try body.add("attn_residual", Operator(.add), inputs: [input, proj], output: "attn_residual", shape: x)
    let ln2 = try body.add("ln_2", Operator(.layerNorm), inputs: [res1], output: "ln_2", shape: x)
    let fc = try body.add("fc", Operator(.linear), inputs: [ln2], output: "fc", shape: wide("ffn", 4 * hidden))
    let gelu = try body.add("gelu", Operator(.gelu), inputs: [fc], output: "gelu", shape: wide("ffn", 4 * hidden))
    let fcProj = try body.add("fc_proj", Operator(.linear), inputs: [gelu], output: "fc_proj", shape: x)
    let res2 = try body.add("mlp_residual", Operator(.add), inputs: [res1, fcProj], output: "mlp_residual", shape: x)
    let layer = body.build(outputs: [res2])
    var g = GraphBuilder()
    let ids: Shape = [x[0], x[1]]
    let tokens = try g.input("tokens", shape: ids, dtype: .int32)
    let positions = try g.input("positions", shape: ids, dtype: .int32)
    var wte = OperatorAttributes()
    wte.rows = vocab
    var wpe = OperatorAttributes()
    wpe.rows = sequence
    let te = try g.add("wte", Operator(.embedding, attributes: wte), inputs: [tokens], output: "wte", shape: x, dtype: .fp32)
    let pe = try g.add("wpe", Operator(.embedding, attributes: wpe), inputs: [positions], output: "wpe", shape: x, dtype: .fp32)
    let embed = try g.add("embed", Operator(.add), inputs: [te, pe], output: "embed", shape: x)
    let blocks = try g.repeatBlock("layers", body: layer, count: layers, input: embed, output: "layers")
    let lnf = try g.add("ln_f", Operator(.layerNorm), inputs: [blocks], output: "ln_f", shape: x)
    var head = OperatorAttributes()
    head.bias = false
    let logits = try g.add("lm_head", Operator(.linear, attributes: head), inputs: [lnf], output: "lm_head", shape: wide("vocab", vocab))
    let loss = try g.add("loss", Operator(.crossEntropy), inputs: [logits], output: "loss", shape: [])
    return g.build(outputs: [loss])
  }
}
