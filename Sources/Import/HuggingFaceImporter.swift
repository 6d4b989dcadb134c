import Foundation
import TensorOptGraph

/// Imports a Hugging Face `config.json`, recognised by its `model_type`.
///
/// Supported: `gpt2`, `llama` and `bert`. The graph has the same op structure as
/// the zoo's GPT-2, LLaMA 2 and BERT entries, so a configuration and its zoo
/// entry give the same parameters and FLOPs. Keys the importer does not use are
/// ignored (configurations carry many); a missing key it needs is an error.
public enum HuggingFaceImporter {
  /// The `model_type` values the importer understands.
  public static let supportedModelTypes = ["gpt2", "llama", "bert"]

  /// The model a configuration describes.
  ///
  /// - Parameters:
  ///   - data: the contents of a `config.json`.
  ///   - file: the file's name, used in errors and as the model's source.
  /// - Throws: ``ModelLoadError`` for malformed JSON, an unsupported `model_type`,
  ///   or a missing or invalid field (named in the error).
  public static func model(from data: Data, file: String) throws(ModelLoadError) -> Model {
    do throws(ModelLoadError) {
      let description = try self.description(of: try JSONValue.parse(data), file: file)
      return try description.model(source: file)
    } catch {
      throw error.inFile(file)
    }
  }

  static func description(of document: JSONValue, file: String) throws(ModelLoadError)
    -> ModelDescription
  {
    let config = try JSONObjectReader(document)
    let modelType = try config.string("model_type")
    let fallbackName = modelType
    let name = (try? config.optionalString("_name_or_path")).flatMap { $0 } ?? fallbackName
    switch modelType {
    case "gpt2":
      let hidden = try config.positiveInt("n_embd")
      // Older configurations call the context length `n_ctx`.
      var contextLength = try config.optionalPositiveInt("n_positions")
      if contextLength == nil { contextLength = try config.optionalPositiveInt("n_ctx") }
      guard let positions = contextLength else {
        throw config.error("missing required key 'n_positions'")
      }
      _ = try width(config, "n_embd", "the q/k/v width 3 × n_embd", 3, hidden)
      var ffn = try config.optionalPositiveInt("n_inner") ?? 0
      if ffn == 0 { ffn = try width(config, "n_embd", "the default n_inner 4 × n_embd", 4, hidden) }
      let shape = TransformerTemplates.GPTShape(
        hidden: hidden, layers: try config.positiveInt("n_layer"),
        heads: try headCount(config, "n_head", hidden),
        ffn: ffn,
        vocab: try config.positiveInt("vocab_size"),
        positions: positions, dropout: try dropout(config, "resid_pdrop", default: 0.1),
        tied: try config.optionalBool("tie_word_embeddings") ?? true)
      let defaults = TrainingDefaults(globalBatchSize: 512, sequenceLength: positions, dtype: .bf16)
      return TransformerTemplates.gpt(name: name, shape, defaults: defaults, file: file)
    case "llama":
      let hidden = try config.positiveInt("hidden_size")
      let heads = try headCount(config, "num_attention_heads", hidden)
      let kvHeads = try config.optionalPositiveInt("num_key_value_heads") ?? heads
      guard heads % kvHeads == 0 else {
        throw config.error(
          "num_key_value_heads", "\(kvHeads) does not divide num_attention_heads \(heads)")
      }
      let headDim = try config.optionalPositiveInt("head_dim") ?? hidden / heads
      // kv_heads divides heads, so heads + 2 · kv_heads <= 3 · heads.
      _ = try width(
        config, "head_dim", "the q/k/v width 3 × num_attention_heads × head_dim", 3, heads, headDim)
      let shape = TransformerTemplates.LlamaShape(
        hidden: hidden, layers: try config.positiveInt("num_hidden_layers"), heads: heads,
        kvHeads: kvHeads,
        headDim: headDim,
        ffn: try config.positiveInt("intermediate_size"),
        vocab: try config.positiveInt("vocab_size"),
        tied: try config.optionalBool("tie_word_embeddings") ?? false,
        attentionBias: try config.optionalBool("attention_bias") ?? false,
        mlpBias: try config.optionalBool("mlp_bias") ?? false)
      let sequence = try config.positiveInt("max_position_embeddings")
      let defaults = TrainingDefaults(globalBatchSize: 1024, sequenceLength: sequence, dtype: .bf16)
      return TransformerTemplates.llama(name: name, shape, defaults: defaults, file: file)
    case "bert":
      let hidden = try config.positiveInt("hidden_size")
      _ = try width(config, "hidden_size", "the q/k/v width 3 × hidden_size", 3, hidden)
      let positions = try config.positiveInt("max_position_embeddings")
      let shape = TransformerTemplates.BertShape(
        hidden: hidden, layers: try config.positiveInt("num_hidden_layers"),
        heads: try headCount(config, "num_attention_heads", hidden),
        ffn: try config.positiveInt("intermediate_size"),
        vocab: try config.positiveInt("vocab_size"), positions: positions,
        typeVocab: try config.positiveInt("type_vocab_size"),
        dropout: try dropout(config, "hidden_dropout_prob", default: 0.1))
      let defaults = TrainingDefaults(globalBatchSize: 256, sequenceLength: positions, dtype: .bf16)
      return TransformerTemplates.bert(name: name, shape, defaults: defaults, file: file)
    default:
      throw config.error(
        "model_type",
        "unsupported model_type '\(modelType)' (supported: \(supportedModelTypes.joined(separator: ", ")))"
      )
    }
  }

  /// A head count that divides the hidden width.
  private static func headCount(_ config: JSONObjectReader, _ key: String, _ hidden: Int)
    throws(ModelLoadError) -> Int
  {
    let heads = try config.positiveInt(key)
    guard hidden % heads == 0 else {
      throw config.error(key, "\(heads) heads do not divide the hidden width \(hidden)")
    }
    return heads
  }

  /// The product of `factors`, a width the templates derive from the
  /// configuration, or an error naming `key` when it does not fit in 64 bits.
  private static func width(
    _ config: JSONObjectReader, _ key: String, _ what: String, _ factors: Int...
  ) throws(ModelLoadError) -> Int {
    var product = 1
    for factor in factors {
      let (value, overflow) = product.multipliedReportingOverflow(by: factor)
      guard !overflow else { throw config.error(key, "too large: \(what) does not fit in 64 bits") }
      product = value
    }
    return product
  }

  private static func dropout(_ config: JSONObjectReader, _ key: String, default value: Double)
    throws(ModelLoadError)
    -> Double
  {
    let p = try config.optionalDouble(key) ?? value
    guard p >= 0, p < 1 else { throw config.error(key, "must be in [0, 1), got \(p)") }
    return p
  }
}
