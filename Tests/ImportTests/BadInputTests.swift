import Foundation
import TensorOptGraph
import TensorOptImport
import Testing

/// Every kind of bad input gives one error naming the file and the op or field.
@Suite("Bad input")
struct BadInputTests {
  func error(_ json: String, file: String = "model.json") throws -> ModelLoadError {
    try #require(TestSupport.loadError(json, file: file))
  }

  @Test("the valid fixture loads (so each case below fails for its own reason)")
  func fixtureIsValid() {
    #expect(TestSupport.loadError(TestSupport.smallModel) == nil)
  }

  @Test("malformed JSON names the file and the line")
  func malformedJSON() throws {
    let e = try error("{\"format\": \"tensoropt-model/1\",\n \"name\": }", file: "broken.json")
    #expect(e.file == "broken.json")
    #expect(e.message.contains("malformed JSON"))
    #expect(e.message.contains("line 2"))
  }

  @Test("an unknown op kind names the op and the kind")
  func unknownKind() throws {
    let e = try error(
      TestSupport.small(replacing: "\"kind\": \"relu\"", with: "\"kind\": \"rellu\""))
    #expect(e.file == "model.json")
    #expect(e.subject == "block 'layer': op 'act'")
    #expect(e.message.contains("unknown op kind 'rellu'"))
  }

  @Test("an unknown key (a typo) is rejected, naming the key")
  func unknownKey() throws {
    let e = try error(TestSupport.small(replacing: "\"bias\": false", with: "\"biass\": false"))
    #expect(e.subject == "op 'fc2'")
    #expect(e.message.hasPrefix("biass: unknown key"))
  }

  @Test("an unknown model_type names the field and the value")
  func unknownModelType() throws {
    let e = try error("{\"model_type\": \"mamba\", \"hidden_size\": 8}", file: "config.json")
    #expect(e.file == "config.json")
    #expect(e.subject == "model_type")
    #expect(e.message.contains("mamba"))
  }

  @Test("a Hugging Face config missing a needed key names the key")
  func missingConfigKey() throws {
    let config = HuggingFaceFixtures.gpt2.replacingOccurrences(of: "\"n_layer\": 12,", with: "")
    let e = try error(config, file: "config.json")
    #expect(e.message.contains("'n_layer'"))
  }

  @Test("a dangling tensor names the op and the input position")
  func danglingTensor() throws {
    let e = try error(
      TestSupport.small(replacing: "\"inputs\": [\"body\"]", with: "\"inputs\": [\"bodyy\"]"))
    #expect(e.subject == "op 'fc2'")
    #expect(e.message.contains("inputs[0]: no tensor named 'bodyy'"))
  }

  @Test("a missing required field names the op and the field")
  func missingField() throws {
    let e = try error(
      TestSupport.small(
        replacing: "\"inputs\": [\"x\"], \"shape\": [\"batch\", \"hidden\"]",
        with: "\"inputs\": [\"x\"]"))
    #expect(e.subject == "op 'fc1'")
    #expect(e.message.contains("'shape'"))
  }

  @Test("a declared shape that disagrees with the operator names the op and both shapes")
  func shapeMismatch() throws {
    let e = try error(
      TestSupport.small(
        replacing: "\"inputs\": [\"body\"], \"shape\": [\"batch\", \"classes\"]",
        with: "\"inputs\": [\"body\"], \"shape\": [5, \"classes\"]"))
    #expect(e.subject == "op 'fc2'")
    #expect(e.message == "linear: leading output dimensions: expected [1], declared [5]")
  }

  @Test("a consumer whose input shape differs from its producer's output names the consumer")
  func producerConsumerMismatch() throws {
    let e = try error(
      TestSupport.small(
        replacing: "\"inputs\": [\"up\"], \"shape\": [\"batch\", \"ffn:128\"]",
        with: "\"inputs\": [\"up\"], \"shape\": [\"batch\", \"ffn:64\"]"))
    #expect(e.subject == "block 'layer': op 'act'")
    #expect(e.message.contains("expected [1, 128], declared [1, 64]"))
  }

  @Test("a cycle names the ops on it")
  func cycle() throws {
    let e = try error(
      TestSupport.small(replacing: "\"inputs\": [\"x\"]", with: "\"inputs\": [\"fc2\"]"))
    #expect(e.subject.hasPrefix("op '"))
    #expect(e.message.contains("cycle"))
    #expect(
      e.message.contains("'fc1'") && e.message.contains("'fc2'") && e.message.contains("'body'"))
  }

  @Test("a non-positive dimension names the field")
  func nonPositiveDimension() throws {
    let e = try error(TestSupport.small(replacing: "\"hidden\": 64,", with: "\"hidden\": 0,"))
    #expect(e.subject == "dims.hidden")
    let literal = try error(TestSupport.small(replacing: "\"ffn:128\"]}", with: "\"ffn:-3\"]}"))
    #expect(literal.message.contains("shape[1]"))
  }

  @Test("a missing file names the file")
  func missingFile() throws {
    let e = #expect(throws: ModelLoadError.self) { try ModelLoader.load("/nonexistent/model.json") }
    #expect(e?.file == "/nonexistent/model.json")
    #expect(e?.message == "no such file")
  }

  @Test("an unknown zoo name lists the zoo")
  func unknownZooName() throws {
    let e = #expect(throws: ModelLoadError.self) {
      try ModelLoader.load("gpt5", zoo: TestSupport.zoo)
    }
    #expect(e?.file == "gpt5")
    #expect(e?.message.contains("gpt2, gpt2-large") == true)
  }

  @Test("sizes whose product overflows Int are a clean error")
  func overflowingShape() throws {
    let e = try error(
      TestSupport.small(
        replacing: "\"shape\": [\"batch\", \"hidden\"]}]",
        with: "\"shape\": [\"batch\", \"hidden\", 4611686018427387904]}]"))
    #expect(e.subject == "input 'x'")
    #expect(e.message.contains("64 bits"))
  }

  @Test("absurd parameter counts are a clean error, not an overflow")
  func absurdParameters() throws {
    let e = try error(
      TestSupport.small(replacing: "\"classes\": 10", with: "\"classes\": 4611686018427387904"))
    #expect(e.subject == "parameters")
  }

  @Test("absurd window sizes are a clean error")
  func absurdWindow() throws {
    let json = """
      {"format": "tensoropt-model/1", "name": "c", "family": "vision",
       "training": {"global_batch_size": 4, "dtype": "bf16"},
       "inputs": [{"name": "img", "shape": ["batch", "channels:1", "height:9223372036854775807", "width:1"]}],
       "ops": [{"name": "conv", "kind": "conv2d", "inputs": ["img"], "shape": ["batch", "channels:8", "height:1", "width:1"],
                "kernel": 3, "padding": 1048576}],
       "outputs": ["conv"]}
      """
    let e = try error(json)
    #expect(e.subject == "op 'conv'")
  }

  @Test("a duplicate op name names the op")
  func duplicateName() throws {
    let e = try error(
      TestSupport.small(replacing: "{\"name\": \"fc2\"", with: "{\"name\": \"fc1\""))
    #expect(e.subject == "op 'fc1'")
    #expect(e.message.contains("duplicate"))
  }

  @Test("an unknown dimension name names the field")
  func unknownDimension() throws {
    let e = try error(
      TestSupport.small(replacing: "[\"batch\", \"classes\"]", with: "[\"batch\", \"clases\"]"))
    #expect(e.subject == "op 'fc2'")
    #expect(e.message.hasPrefix("shape[1]: unknown dimension 'clases'"))
  }

  @Test("a block op naming no block names the op")
  func unknownBlock() throws {
    let e = try error(
      TestSupport.small(replacing: "\"block\": \"layer\"", with: "\"block\": \"layr\""))
    #expect(e.subject == "op 'body'")
    #expect(e.message.contains("no block named 'layr'"))
  }

  @Test("a block that contains itself is an error, not a hang")
  func recursiveBlock() throws {
    let json = TestSupport.small(
      replacing:
        "{\"name\": \"act\", \"kind\": \"relu\", \"inputs\": [\"up\"], \"shape\": [\"batch\", \"ffn:128\"]}",
      with: "{\"name\": \"act\", \"block\": \"layer\", \"repeat\": 1, \"inputs\": [\"up\"]}")
    let e = try error(json)
    #expect(e.subject == "block 'layer'")
  }

  @Test("tied_to naming no weight is an error")
  func danglingTie() throws {
    let e = try error(TestSupport.small(replacing: "\"bias\": false", with: "\"tied_to\": \"fc9\""))
    #expect(e.subject == "op 'fc2'")
    #expect(e.message.contains("tied_to"))
  }

  @Test("an unsupported format version is named")
  func wrongFormat() throws {
    let e = try error(TestSupport.small(replacing: "tensoropt-model/1", with: "tensoropt-model/2"))
    #expect(e.subject == "format")
  }

  @Test("a repeat count beyond the limit is an error")
  func hugeRepeat() throws {
    let e = try error(TestSupport.small(replacing: "\"repeat\": 3", with: "\"repeat\": 1000000000"))
    #expect(e.subject == "op 'body'")
  }

  @Test("an output naming no tensor names the output")
  func danglingOutput() throws {
    let e = try error(
      TestSupport.small(replacing: "\"outputs\": [\"loss\"]", with: "\"outputs\": [\"los\"]"))
    #expect(e.subject == "outputs[0]")
  }

  @Test("a non-positive batch size is an error naming the batch")
  func badBatch() throws {
    let model = try ModelLoader.model(from: Data(TestSupport.smallModel.utf8), file: "model.json")
    let e = #expect(throws: ModelLoadError.self) { try model.graph(batchSize: 0) }
    #expect(e?.subject == "batch")
  }

  @Test("the error reads file: subject: message on one line")
  func description() {
    let e = ModelLoadError(file: "m.json", subject: "op 'a'", message: "bad\nthing")
    #expect(e.description == "m.json: op 'a': bad thing")
  }
}
