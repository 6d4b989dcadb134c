import Foundation
import Testing

@Suite("tensoropt on bad input")
struct BadInputCommandTests {
  @Test("a bad model file exits 2 with one stderr line naming the file and the op")
  func badModelFile() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let json = """
      {"format": "tensoropt-model/1", "name": "m", "family": "vision",
       "training": {"global_batch_size": 8, "dtype": "fp32"},
       "inputs": [{"name": "x", "shape": [8, 1024]}],
       "ops": [{"name": "fc1", "kind": "linear", "inputs": ["x"], "shape": [8, 1024]},
               {"name": "fc2", "kind": "linear", "inputs": ["fc1"], "shape": [8, 512]},
               {"name": "fc3", "kind": "linear", "inputs": ["fc2"], "shape": [4, 10]}],
       "outputs": ["fc3"]}
      """
    try Data(json.utf8).write(to: directory.appendingPathComponent("model.json"))
    let result = try CLIRunner.run(["inspect", "model.json"], in: directory)
    #expect(result.status == 2)
    #expect(result.standardOutput.isEmpty)
    #expect(
      result.standardError
        == "tensoropt: error: model.json: op 'fc3': linear: leading output dimensions: expected [8], declared [4]\n"
    )
  }

  @Test("malformed JSON exits 2 with one line")
  func malformedJSON() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data("{\"format\": ".utf8).write(to: directory.appendingPathComponent("broken.json"))
    let result = try CLIRunner.run(["inspect", "broken.json"], in: directory)
    #expect(result.status == 2)
    #expect(result.standardError.hasPrefix("tensoropt: error: broken.json: malformed JSON"))
    #expect(result.standardError.split(separator: "\n").count == 1)
  }

  @Test("an unknown model name exits 2 and lists the zoo")
  func unknownName() throws {
    let result = try CLIRunner.run(["inspect", "gpt5"])
    #expect(result.status == 2)
    #expect(result.standardError.hasPrefix("tensoropt: error: gpt5: "))
    #expect(result.standardError.contains("llama2-7b"))
    #expect(result.standardError.split(separator: "\n").count == 1)
  }

  @Test("a missing file exits 2 naming the file")
  func missingFile() throws {
    let result = try CLIRunner.run(["inspect", "/nonexistent/model.json"])
    #expect(result.status == 2)
    #expect(result.standardError == "tensoropt: error: /nonexistent/model.json: no such file\n")
  }

  @Test("an absurd batch size exits 2 instead of overflowing")
  func absurdBatch() throws {
    let result = try CLIRunner.run(["inspect", "gpt2", "--batch", "4611686018427387904"])
    #expect(result.status == 2)
    #expect(result.standardError.contains("64 bits"))
  }
}
