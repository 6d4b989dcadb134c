import Foundation
import TensorOptImport

/// Fuzz target `hf-config`: the Hugging Face `config.json` importer alone, so
/// that mutations are not spent on the native format.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHuggingFaceConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  FuzzHarness.run(data, size) { input in
    try FuzzHarness.inspect(HuggingFaceImporter.model(from: input, file: "config.json"))
  }
}

/// Mutates inputs as JSON documents (see ``JSONMutator``).
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateHuggingFaceConfig(
  _ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32
) -> Int {
  JSONMutator.mutate(data, size, maxSize, seed, vocabulary: huggingFaceVocabulary)
}

/// The keys and model types the importer reads, for the mutator to insert.
let huggingFaceVocabulary = [
  "model_type", "_name_or_path", "gpt2", "llama", "bert", "n_embd", "n_positions", "n_ctx",
  "n_layer", "n_head", "n_inner", "vocab_size", "resid_pdrop", "tie_word_embeddings",
  "hidden_size", "num_attention_heads", "num_key_value_heads", "num_hidden_layers", "head_dim",
  "intermediate_size", "attention_bias", "mlp_bias", "max_position_embeddings", "type_vocab_size",
  "hidden_dropout_prob",
]
