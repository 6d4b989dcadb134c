import Foundation
import Testing

@Suite("tensoropt evaluate and profile")
struct EvaluateCommandTests {
  @Test("JSON output has the documented keys and is deterministic")
  func jsonOutput() throws {
    let arguments = [
      "evaluate", "gpt2", "--devices", "8", "--tp", "2", "--batch", "64", "--format", "json",
    ]
    let first = try CLIRunner.run(arguments)
    #expect(first.status == 0, "\(first.standardError)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(first.standardOutput.utf8)) as? [String: Any])
    for key in ["time_s", "memory_bytes", "fits", "breakdown", "throughput"] {
      #expect(object[key] != nil, "\(key)")
    }
    #expect(try CLIRunner.run(arguments).standardOutput == first.standardOutput)
  }

  @Test("without --gpu or --cluster the table says it assumes h100-80g")
  func defaultCluster() throws {
    let result = try CLIRunner.run(["evaluate", "gpt2", "--devices", "8", "--batch", "64"])
    #expect(result.status == 0)
    #expect(
      result.standardOutput.split(separator: "\n").first?.contains("h100-80g with 8 GPUs per node")
        == true)
  }

  @Test("a strategy that does not fit is a result, not an error")
  func notFitting() throws {
    let result = try CLIRunner.run([
      "evaluate", "gpt3-175b", "--devices", "8", "--gpu", "a100-80g", "--format", "json",
    ])
    #expect(result.status == 0)
    #expect(result.standardOutput.contains("\"fits\" : false"))
  }

  @Test(
    "bad --stage-layers exit 2 with one line naming the flag",
    arguments: ["3,3,3", "4,4,4,0", "4,4,4,4", "3,x,3,3", ""])
  func badStageLayers(split: String) throws {
    let result = try CLIRunner.run([
      "evaluate", "gpt2", "--devices", "8", "--pp", "4", "--batch", "64", "--stage-layers", split,
    ])
    #expect(result.status == 2)
    #expect(result.standardError.contains("--stage-layers"), "\(result.standardError)")
    #expect(result.standardError.split(separator: "\n").count == 1)
  }

  @Test("--stage-layers prices the given split")
  func stageLayers() throws {
    func time(_ extra: [String]) throws -> String {
      let result = try CLIRunner.run(
        ["evaluate", "gpt2", "--devices", "8", "--pp", "4", "--batch", "64", "--format", "json"]
          + extra)
      #expect(result.status == 0, "\(result.standardError)")
      let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
      return "\((object as? [String: Any])?["time_s"] ?? "")"
    }
    #expect(try time(["--stage-layers", "3,3,3,3"]) == time([]))
    #expect(try time(["--stage-layers", "4,3,3,2"]) != time([]))
  }

  @Test("impossible strategies exit 2 with one line")
  func impossibleStrategy() throws {
    for arguments in [
      ["evaluate", "gpt2", "--devices", "8", "--tp", "3"],
      ["evaluate", "gpt2", "--devices", "8", "--batch", "12"],
      ["evaluate", "gpt2", "--devices", "8", "--pp", "8", "--interleave", "2"],
      ["evaluate", "gpt2", "--devices", "8", "--gpu", "b200"],
      ["evaluate", "gpt2", "--devices", "8", "--schedule", "zigzag"],
      ["evaluate", "gpt2"],
    ] {
      let result = try CLIRunner.run(arguments)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.standardError.hasPrefix("tensoropt: error: "))
      #expect(result.standardError.split(separator: "\n").count == 1)
    }
  }

  @Test("a bad cluster file exits 2 naming the file and the field")
  func badClusterFile() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let json = """
      {"format": "tensoropt-cluster/1", "name": "x", "devices": 8, "devices_per_node": 8,
       "device": {"name": "d", "memory_bytes": 8e10, "peak_flops": {"fp32": 1e13}, "memory_bandwidth": 1e12,
                  "efficiency": {"max_efficiency": 0.8, "half_dimension": 16, "overhead": 0}},
       "intra_node": {"bandwidth": 1e11, "latency": 1e-6}}
      """
    try Data(json.utf8).write(to: directory.appendingPathComponent("c.json"))
    let result = try CLIRunner.run(
      ["evaluate", "gpt2", "--devices", "8", "--cluster", "c.json"], in: directory)
    #expect(result.status == 2)
    #expect(result.standardError == "tensoropt: error: c.json: field 'inter_node': is missing\n")
  }

  @Test("profile never overwrites a cached profile it was not asked to")
  func profileKeepsTheCache() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let cache = directory.appendingPathComponent("cpu.json")
    try Data("keep".utf8).write(to: cache)
    let result = try CLIRunner.run(["profile"], environment: ["TENSOROPT_CPU_PROFILE": cache.path])
    #expect(result.status == 2)
    #expect(try String(contentsOf: cache, encoding: .utf8) == "keep")
  }

  @Test("the cpu preset works without a cached profile")
  func cpuPresetDefaults() throws {
    let result = try CLIRunner.run(
      ["evaluate", "gpt-mini", "--devices", "4", "--gpu", "cpu", "--format", "json"],
      environment: ["TENSOROPT_CPU_PROFILE": "/nonexistent/cpu.json"])
    #expect(result.status == 0, "\(result.standardError)")
  }
}
