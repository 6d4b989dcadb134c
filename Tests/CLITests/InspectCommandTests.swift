import Foundation
import Testing

@Suite("tensoropt inspect and models")
struct InspectCommandTests {
  @Test("the tensoropt binary is built next to the tests")
  func binaryExists() {
    #expect(CLIRunner.executable != nil)
  }

  @Test("inspect gpt2 --format json prints the documented keys and exact parameters")
  func inspectJSON() throws {
    let result = try CLIRunner.run(["inspect", "gpt2", "--format", "json"])
    #expect(result.status == 0)
    #expect(result.standardError.isEmpty)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    for key in [
      "name", "parameters", "flops_per_sample_forward", "activation_bytes_per_sample",
      "layer_count",
      "operator_count", "segments",
    ] {
      #expect(object[key] != nil, "missing \(key)")
    }
    #expect(object["name"] as? String == "gpt2")
    #expect((object["parameters"] as? NSNumber)?.intValue == 124_439_808)
    #expect((object["layer_count"] as? NSNumber)?.intValue == 12)
  }

  @Test("inspect JSON output is identical from run to run, keys sorted")
  func deterministicJSON() throws {
    let first = try CLIRunner.run(["inspect", "resnet50", "--format", "json"]).standardOutput
    let second = try CLIRunner.run(["inspect", "resnet50", "--format", "json"]).standardOutput
    #expect(first == second)
    let keys = first.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map {
      $0.split(separator: "\"")[1]
    }
    #expect(keys == keys.sorted())
  }

  @Test("inspect without a model shows gpt2 as a table")
  func inspectDefaultTable() throws {
    let result = try CLIRunner.run(["inspect"])
    #expect(result.status == 0)
    #expect(result.standardOutput.contains("gpt2"))
    #expect(result.standardOutput.contains("124,439,808"))
    #expect(result.standardOutput.contains("layers (block layer)"))
  }

  @Test("inspect finds the zoo from any working directory")
  func zooFromAnotherDirectory() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CLIRunner.run(["inspect", "llama2-7b", "--format", "json"], in: directory)
    #expect(result.status == 0)
    #expect(result.standardOutput.contains("\"parameters\" : 6738415616"))
  }

  @Test("TENSOROPT_MODELS points the zoo at another directory")
  func zooFromEnvironment() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let models = CLIRunner.repository.appendingPathComponent("Models")
    for name in ["gpt2", "mlp"] {
      try FileManager.default.copyItem(
        at: models.appendingPathComponent("\(name).json"),
        to: directory.appendingPathComponent("\(name).json"))
    }
    let result = try CLIRunner.run(
      ["models", "--format", "json"], environment: ["TENSOROPT_MODELS": directory.path])
    #expect(result.status == 0)
    let names = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]]
    )
    .compactMap { $0["name"] as? String }
    #expect(names == ["gpt2", "mlp"])
  }

  @Test("inspect reads a Hugging Face config.json")
  func inspectHuggingFace() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = """
      {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32,
       "num_key_value_heads": 32, "num_hidden_layers": 32, "vocab_size": 32000, "tie_word_embeddings": false,
       "max_position_embeddings": 4096}
      """
    try Data(config.utf8).write(to: directory.appendingPathComponent("config.json"))
    let result = try CLIRunner.run(["inspect", "config.json", "--format", "json"], in: directory)
    #expect(result.status == 0)
    #expect(result.standardOutput.contains("\"parameters\" : 6738415616"))
  }

  @Test("inspect --ops lists block bodies once, indented under their block")
  func inspectOps() throws {
    let result = try CLIRunner.run(["inspect", "gpt-mini", "--ops"])
    #expect(result.status == 0)
    let lines = result.standardOutput.split(separator: "\n")
    #expect(lines.contains { $0.hasPrefix("layers") && $0.contains("block layer ×4") })
    #expect(lines.filter { $0.hasPrefix("  qkv ") }.count == 1)
  }

  @Test("models lists the whole zoo with parameter counts")
  func models() throws {
    let result = try CLIRunner.run(["models"])
    #expect(result.status == 0)
    for name in [
      "gpt2", "gpt2-xl", "gpt3-175b", "llama2-70b", "bert-large", "resnet50", "vgg16", "mlp",
      "gpt-mini",
    ] {
      #expect(result.standardOutput.contains(name), "\(name)")
    }
    #expect(result.standardOutput.contains("68,976,648,192"))
  }
}
