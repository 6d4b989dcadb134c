import TensorOptGraph

/// The transformer architectures of the zoo, built in Swift for Hugging Face
/// configurations. Op names and structure match `scripts/gen_zoo.py`.
enum TransformerTemplates {
  typealias Op = OperationDescription

  /// The shape `[batch, seq, label]`.
  static func tokens(_ label: String, _ size: Int) -> [SymbolicDimension] {
    [.batch, .sequence, .fixed(label, size)]
  }

  static let ids: [SymbolicDimension] = [.batch, .sequence]

  /// GPT-2: learned positions, pre-LN, biases everywhere, tied LM head.
  struct GPTShape {
    var hidden: Int
    var layers: Int
    var heads: Int
    var ffn: Int
    var vocab: Int
    var positions: Int
    var dropout: Double = 0.1
    var tied = true
  }

  static func gpt(
    name: String, _ s: GPTShape, defaults: TrainingDefaults, file: String
  ) -> ModelDescription {
    let h = tokens("hidden", s.hidden)
    var layer: [Op] = []
    func dropped(_ ops: inout [Op], _ source: String, _ name: String) -> String {
      guard s.dropout > 0 else { return source }
      ops.append(.op(name, .dropout, [source], h) { $0.probability = s.dropout })
      return name
    }
    layer.append(.op("ln_1", .layerNorm, ["x"], h))
    layer.append(.op("qkv", .linear, ["ln_1"], tokens("qkv", 3 * s.hidden)))
    layer.append(
      .op("attn", .attention, ["qkv"], h) {
        $0.heads = s.heads
        $0.kvHeads = s.heads
        $0.causal = true
      })
    layer.append(.op("attn_proj", .linear, ["attn"], h))
    let attention = dropped(&layer, "attn_proj", "attn_drop")
    layer.append(.op("attn_residual", .add, ["x", attention], h))
    layer.append(.op("ln_2", .layerNorm, ["attn_residual"], h))
    layer.append(.op("fc", .linear, ["ln_2"], tokens("ffn", s.ffn)))
    layer.append(.op("gelu", .gelu, ["fc"], tokens("ffn", s.ffn)))
    layer.append(.op("fc_proj", .linear, ["gelu"], h))
    let mlp = dropped(&layer, "fc_proj", "mlp_drop")
    layer.append(.op("mlp_residual", .add, ["attn_residual", mlp], h))

    var ops: [Op] = []
    ops.append(.op("wte", .embedding, ["tokens"], h) { $0.rows = s.vocab })
    ops.append(.op("wpe", .embedding, ["positions"], h) { $0.rows = s.positions })
    ops.append(.op("embed", .add, ["wte", "wpe"], h))
    let first = dropped(&ops, "embed", "embed_drop")
    ops.append(.block("layers", "layer", repeat: s.layers, input: first))
    ops.append(.op("ln_f", .layerNorm, ["layers"], h))
    ops.append(
      .op("lm_head", .linear, ["ln_f"], tokens("vocab", s.vocab)) {
        $0.bias = false
        $0.tiedTo = s.tied ? "wte" : nil
      })
    ops.append(.op("loss", .crossEntropy, ["lm_head"], []))
    return ModelDescription(
      name: name, family: .language, defaults: defaults,
      inputs: [
        TensorDeclaration(name: "tokens", shape: ids, dtype: .int32),
        TensorDeclaration(name: "positions", shape: ids, dtype: .int32),
      ],
      operations: ops,
      blocks: [
        "layer": BlockDescription(
          input: .init(name: "x", shape: h), output: "mlp_residual", operations: layer)
      ],
      outputs: ["loss"], file: file)
  }

  /// LLaMA: RMSNorm, grouped-query attention, SwiGLU, untied head unless `tied`.
  struct LlamaShape {
    var hidden: Int
    var layers: Int
    var heads: Int
    var kvHeads: Int
    var headDim: Int
    var ffn: Int
    var vocab: Int
    var tied = false
    var attentionBias = false
    var mlpBias = false
  }

  static func llama(name: String, _ s: LlamaShape, defaults: TrainingDefaults, file: String)
    -> ModelDescription
  {
    let h = tokens("hidden", s.hidden)
    let f = tokens("ffn", s.ffn)
    let attentionWidth = s.heads * s.headDim
    let attentionShape = attentionWidth == s.hidden ? h : tokens("attention", attentionWidth)
    let layer: [Op] = [
      .op("input_layernorm", .rmsNorm, ["x"], h),
      .op(
        "qkv_proj", .linear, ["input_layernorm"],
        tokens("qkv", (s.heads + 2 * s.kvHeads) * s.headDim)
      ) {
        $0.bias = s.attentionBias
      },
      .op("attn", .attention, ["qkv_proj"], attentionShape) {
        $0.heads = s.heads
        $0.kvHeads = s.kvHeads
        $0.causal = true
      },
      .op("o_proj", .linear, ["attn"], h) { $0.bias = s.attentionBias },
      .op("attn_residual", .add, ["x", "o_proj"], h),
      .op("post_attention_layernorm", .rmsNorm, ["attn_residual"], h),
      .op("gate_proj", .linear, ["post_attention_layernorm"], f) { $0.bias = s.mlpBias },
      .op("up_proj", .linear, ["post_attention_layernorm"], f) { $0.bias = s.mlpBias },
      .op("swiglu", .swiglu, ["gate_proj", "up_proj"], f),
      .op("down_proj", .linear, ["swiglu"], h) { $0.bias = s.mlpBias },
      .op("mlp_residual", .add, ["attn_residual", "down_proj"], h),
    ]
    let ops: [Op] = [
      .op("embed_tokens", .embedding, ["tokens"], h) { $0.rows = s.vocab },
      .block("layers", "layer", repeat: s.layers, input: "embed_tokens"),
      .op("norm", .rmsNorm, ["layers"], h),
      .op("lm_head", .linear, ["norm"], tokens("vocab", s.vocab)) {
        $0.bias = false
        $0.tiedTo = s.tied ? "embed_tokens" : nil
      },
      .op("loss", .crossEntropy, ["lm_head"], []),
    ]
    return ModelDescription(
      name: name, family: .language, defaults: defaults,
      inputs: [TensorDeclaration(name: "tokens", shape: ids, dtype: .int32)], operations: ops,
      blocks: [
        "layer": BlockDescription(
          input: .init(name: "x", shape: h), output: "mlp_residual", operations: layer)
      ],
      outputs: ["loss"], file: file)
  }

  /// BERT: post-LN encoder with a masked-LM head tied to the word embeddings.
  struct BertShape {
    var hidden: Int
    var layers: Int
    var heads: Int
    var ffn: Int
    var vocab: Int
    var positions: Int
    var typeVocab: Int
    var dropout = 0.1
  }

  static func bert(name: String, _ s: BertShape, defaults: TrainingDefaults, file: String)
    -> ModelDescription
  {
    let h = tokens("hidden", s.hidden)
    let f = tokens("ffn", s.ffn)
    let p = s.dropout
    let layer: [Op] = [
      .op("qkv", .linear, ["x"], tokens("qkv", 3 * s.hidden)),
      .op("attn", .attention, ["qkv"], h) {
        $0.heads = s.heads
        $0.kvHeads = s.heads
      },
      .op("attn_proj", .linear, ["attn"], h),
      .op("attn_drop", .dropout, ["attn_proj"], h) { $0.probability = p },
      .op("attn_residual", .add, ["x", "attn_drop"], h),
      .op("attn_norm", .layerNorm, ["attn_residual"], h),
      .op("fc", .linear, ["attn_norm"], f),
      .op("gelu", .gelu, ["fc"], f),
      .op("fc_proj", .linear, ["gelu"], h),
      .op("mlp_drop", .dropout, ["fc_proj"], h) { $0.probability = p },
      .op("mlp_residual", .add, ["attn_norm", "mlp_drop"], h),
      .op("mlp_norm", .layerNorm, ["mlp_residual"], h),
    ]
    let ops: [Op] = [
      .op("word_embeddings", .embedding, ["tokens"], h) { $0.rows = s.vocab },
      .op("position_embeddings", .embedding, ["positions"], h) { $0.rows = s.positions },
      .op("token_type_embeddings", .embedding, ["token_types"], h) { $0.rows = s.typeVocab },
      .op("embed_positions", .add, ["word_embeddings", "position_embeddings"], h),
      .op("embed", .add, ["embed_positions", "token_type_embeddings"], h),
      .op("embed_norm", .layerNorm, ["embed"], h),
      .op("embed_drop", .dropout, ["embed_norm"], h) { $0.probability = p },
      .block("layers", "layer", repeat: s.layers, input: "embed_drop"),
      .op("mlm_dense", .linear, ["layers"], h),
      .op("mlm_gelu", .gelu, ["mlm_dense"], h),
      .op("mlm_norm", .layerNorm, ["mlm_gelu"], h),
      .op("mlm_decoder", .linear, ["mlm_norm"], tokens("vocab", s.vocab)) {
        $0.tiedTo = "word_embeddings"
      },
      .op("loss", .crossEntropy, ["mlm_decoder"], []),
    ]
    return ModelDescription(
      name: name, family: .language, defaults: defaults,
      inputs: ["tokens", "positions", "token_types"].map {
        TensorDeclaration(name: $0, shape: ids, dtype: .int32)
      },
      operations: ops,
      blocks: [
        "layer": BlockDescription(
          input: .init(name: "x", shape: h), output: "mlp_norm", operations: layer)
      ],
      outputs: ["loss"], file: file)
  }
}
