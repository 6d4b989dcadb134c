import Foundation
import TensorOptImport

/// Fuzz target `model-json`: any file handed to `tensoropt inspect FILE`.
///
/// `ModelLoader.model(from:file:)` decides by content, so this target reaches
/// the native importer (a `format` key) and the Hugging Face one (`model_type`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  FuzzHarness.run(data, size) { input in
    try FuzzHarness.inspect(ModelLoader.model(from: input, file: "fuzz.json"))
  }
}

/// Mutates inputs as JSON documents (see ``JSONMutator``).
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateModelJSON(
  _ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32
) -> Int {
  JSONMutator.mutate(data, size, maxSize, seed, vocabulary: modelJSONVocabulary)
}

/// Keys and values of the native format, for the mutator to insert.
let modelJSONVocabulary = [
  "format", "name", "family", "training", "dims", "inputs", "ops", "blocks", "outputs",
  "global_batch_size", "sequence_length", "dtype", "kind", "output", "shape", "block", "repeat",
  "input", "rows", "tied_to", "bias", "heads", "kv_heads", "causal", "kernel", "stride", "padding",
  "groups", "p", "tensoropt-model/1", "language", "vision", "fp32", "bf16", "int32", "batch", "seq",
  "embedding", "linear", "matmul", "batched_matmul", "attention", "layernorm", "rmsnorm", "gelu",
  "relu", "softmax", "dropout", "swiglu", "add", "cross_entropy", "conv2d", "maxpool", "avgpool",
  "global_avgpool", "batchnorm", "flatten", "reshape", "hidden", "ffn", "vocab", "channels",
  "height", "width", "qkv", "classes", "layer", "x", "model_type", "gpt2", "llama", "bert",
]
