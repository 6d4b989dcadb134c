import Foundation
import TensorOptGraph
import TensorOptImport
import Testing

/// Absurd sizes end in a clear error naming what is too large — never an
/// overflow trap, a stack overflow, a hang, or an attempt to allocate terabytes.
@Suite("Import limits")
struct ImportLimitsTests {
  func error(_ json: String, file: String = "model.json") throws -> ModelLoadError {
    try #require(TestSupport.loadError(json, file: file))
  }

  // MARK: Hugging Face widths derived from the configuration

  /// A GPT-2 configuration with `n_embd` = `hidden` (one head, so it divides).
  func gpt2(hidden: String, extra: String = "") -> String {
    """
    {"model_type": "gpt2", "n_embd": \(hidden), "n_positions": 8, "n_layer": 1, "n_head": 1,
     "vocab_size": 8\(extra)}
    """
  }

  @Test("n_embd whose 4 × n_embd default n_inner overflows is an error naming n_embd")
  func gptDefaultInnerOverflows() throws {
    let e = try error(gpt2(hidden: "4611686018427387904"), file: "config.json")
    #expect(e.file == "config.json")
    #expect(e.subject == "n_embd")
    #expect(e.message.contains("64 bits"))
  }

  @Test("n_embd whose 3 × n_embd q/k/v width overflows is an error even with n_inner given")
  func gptQKVOverflows() throws {
    let e = try error(
      gpt2(hidden: "4611686018427387904", extra: ", \"n_inner\": 8"), file: "config.json")
    #expect(e.subject == "n_embd")
    #expect(e.message.contains("q/k/v"))
  }

  @Test("LLaMA heads × head_dim that overflows is an error naming head_dim")
  func llamaHeadDimOverflows() throws {
    let json = """
      {"model_type": "llama", "hidden_size": 1024, "num_attention_heads": 8,
       "head_dim": 4611686018427387904, "num_hidden_layers": 1, "intermediate_size": 16,
       "vocab_size": 8, "max_position_embeddings": 8}
      """
    let e = try error(json, file: "config.json")
    #expect(e.subject == "head_dim")
  }

  @Test("BERT hidden_size whose q/k/v width overflows is an error naming hidden_size")
  func bertHiddenOverflows() throws {
    let json = """
      {"model_type": "bert", "hidden_size": 4611686018427387904, "num_attention_heads": 1,
       "num_hidden_layers": 1, "intermediate_size": 16, "vocab_size": 8,
       "max_position_embeddings": 8, "type_vocab_size": 2}
      """
    let e = try error(json, file: "config.json")
    #expect(e.subject == "hidden_size")
  }

  @Test(
    "a huge width that fits in 64 bits ends in a model or a clean error",
    arguments: ["1048576", "3074457345618258602", "9223372036854775807"])
  func hugeButRepresentableWidth(_ hidden: String) throws {
    let json = gpt2(hidden: hidden, extra: ", \"n_inner\": 8")
    do {
      let model = try ModelLoader.model(from: Data(json.utf8), file: "config.json")
      _ = try JSONEncoder().encode(ModelSummary(model: model))
    } catch let error as ModelLoadError {
      #expect(error.file == "config.json")
      #expect(!error.description.contains("\n"))
    }
  }

  // MARK: Repetition and nesting

  @Test("a 10^6-layer model loads (blocks are stored once) and counts its layers")
  func millionLayers() throws {
    let json = TestSupport.small(replacing: "\"repeat\": 3", with: "\"repeat\": 1000000")
    let model = try ModelLoader.model(from: Data(json.utf8), file: "model.json")
    let summary = try ModelSummary(model: model)
    #expect(summary.layerCount == 1_000_000)
    #expect(summary.operatorCount == 4 * 1_000_000 + 3)
  }

  /// A model whose top-level block `b0` applies `b1`, which applies `b2`, ...
  /// `depth` blocks deep; each block applies the next `fanOut` times in a row,
  /// `repeat` times each; the innermost block is one relu.
  static func nested(depth: Int, fanOut: Int = 1, repeat count: Int = 1) -> String {
    var blocks: [String] = []
    for level in 0..<depth {
      let ops: String
      if level == depth - 1 {
        ops = #"{"name": "a0", "kind": "relu", "inputs": ["h"], "shape": ["batch", 8]}"#
      } else {
        ops = (0..<fanOut).map { index in
          let input = index == 0 ? "h" : "a\(index - 1)"
          return
            #"{"name": "a\#(index)", "block": "b\#(level + 1)", "repeat": \#(count), "inputs": ["\#(input)"]}"#
        }.joined(separator: ", ")
      }
      let last = level == depth - 1 ? "a0" : "a\(fanOut - 1)"
      blocks.append(
        #""b\#(level)": {"input": {"name": "h", "shape": ["batch", 8]}, "output": "\#(last)", "ops": [\#(ops)]}"#
      )
    }
    return """
      {"format": "tensoropt-model/1", "name": "nested", "family": "vision",
       "training": {"global_batch_size": 8, "dtype": "fp32"},
       "inputs": [{"name": "x", "shape": ["batch", 8]}],
       "ops": [{"name": "body", "block": "b0", "repeat": \(count), "inputs": ["x"]},
               {"name": "loss", "kind": "cross_entropy", "inputs": ["body"], "shape": []}],
       "blocks": {\(blocks.joined(separator: ",\n"))},
       "outputs": ["loss"]}
      """
  }

  @Test("nested blocks within the limits load")
  func nestedWithinLimits() throws {
    let model = try ModelLoader.model(
      from: Data(Self.nested(depth: 3, repeat: 1000).utf8), file: "model.json")
    #expect(try ModelSummary(model: model).operatorCount == 1_000_000_000 + 1)
  }

  @Test("nested repeats beyond 10^12 operators are an error, not a wrapped count or infinite FLOPs")
  func nestedRepeatsOverflow() throws {
    let e = try error(Self.nested(depth: 30, repeat: 1_000_000))
    #expect(e.message.contains("10^12 operators"))
  }

  @Test("blocks nested too deeply are an error, not a stack overflow")
  func deepNesting() throws {
    let e = try error(Self.nested(depth: 200))
    #expect(e.message.contains("nest more than"))
  }

  @Test("a block fan-out that would make walks exponential is an error, not a hang")
  func exponentialFanOut() throws {
    // 2^30 applications of the innermost block, each stored once.
    let e = try error(Self.nested(depth: 31, fanOut: 2))
    #expect(e.message.contains("nodes counting each block application"))
  }

  // MARK: Sizes, numbers and strings

  @Test("a batch size whose tensors overflow 64 bits is an error")
  func absurdBatch() throws {
    let model = try ModelLoader.model(from: Data(TestSupport.smallModel.utf8), file: "model.json")
    #expect(throws: ModelLoadError.self) { try model.graph(batchSize: Int.max) }
  }

  @Test(
    "integers beyond 64 bits and beyond Double are rejected as such",
    arguments: [
      "99999999999999999999999", "1e400", "-9223372036854775809",
    ])
  func hugeNumber(_ number: String) throws {
    let e = try error(TestSupport.small(replacing: "\"hidden\": 64", with: "\"hidden\": \(number)"))
    #expect(!e.description.contains("\n"))
  }

  @Test("JSON nested 100,000 deep is an error naming the depth, not a stack overflow")
  func deepJSON() throws {
    let json =
      "{\"format\": " + String(repeating: "[", count: 100_000)
      + String(repeating: "]", count: 100_000) + "}"
    let e = try error(json)
    #expect(e.message == "line 1, column 75: arrays and objects nest more than 64 deep")
  }

  @Test("JSON nested 400 deep is rejected before decoding (which is quadratic in depth)")
  func quadraticDepth() throws {
    // Fuzzing found 14 KB configurations nested a few hundred deep that took seconds.
    let json =
      "{\"model_type\": \"gpt2\", \"n_layer\": "
      + String(repeating: "{\"a\": ", count: 400) + "1" + String(repeating: "}", count: 400) + "}"
    let e = try error(json, file: "config.json")
    #expect(e.file == "config.json")
    #expect(e.message.contains("nest more than 64 deep"))
  }

  @Test("brackets inside strings do not count as nesting")
  func bracketsInStrings() throws {
    let brackets = String(repeating: "[{", count: 100) + "\\\""
    let json = TestSupport.small(
      replacing: "\"name\": \"small\"", with: "\"name\": \"\(brackets)\"")
    #expect(TestSupport.loadError(json) == nil)
  }

  @Test("a 10 MB string ends in a result or a short one-line error")
  func tenMegabyteString() throws {
    let huge = String(repeating: "x", count: 10_000_000)
    let named = TestSupport.small(replacing: "\"name\": \"small\"", with: "\"name\": \"\(huge)\"")
    #expect(TestSupport.loadError(named) == nil)
    let kind = TestSupport.small(replacing: "\"kind\": \"relu\"", with: "\"kind\": \"\(huge)\"")
    let e = try error(kind)
    #expect(e.subject == "block 'layer': op 'act'")
    #expect(e.description.count < 2000)
  }
}
