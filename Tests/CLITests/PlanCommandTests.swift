import Foundation
import Testing

@Suite("tensoropt plan")
struct PlanCommandTests {
  @Test("JSON output is a frontier sorted by time with strategies, byte-identical across runs")
  func jsonFrontier() throws {
    let arguments = ["plan", "mlp", "--devices", "4", "--search", "ft", "--format", "json"]
    let first = try CLIRunner.run(arguments)
    #expect(first.status == 0, "\(first.standardError)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(first.standardOutput.utf8)) as? [String: Any])
    #expect(object["format"] as? String == "tensoropt-plan/1")
    let results = try #require(object["results"] as? [[String: Any]])
    let frontier = try #require(results.first?["frontier"] as? [[String: Any]])
    #expect(frontier.count > 1)
    let times = frontier.compactMap { $0["time_s"] as? Double }
    #expect(times == times.sorted())
    for entry in frontier {
      #expect(entry["memory_bytes"] is Double)
      let strategy = try #require(entry["strategy"] as? [String: Any])
      for key in ["dp", "tp", "pp", "microbatch", "schedule", "recompute", "zero"] {
        #expect(strategy[key] != nil, "missing \(key)")
      }
      let stages = try #require(strategy["stages"] as? [[String: Any]])
      #expect((stages.first?["operators"] as? [String: String])?["fc1"] != nil)
    }
    #expect(try CLIRunner.run(arguments).standardOutput == first.standardOutput)
  }

  @Test("ft and exhaustive print the same frontier for mlp on 4 devices")
  func exhaustiveAgrees() throws {
    func costs(_ search: String) throws -> [[Double]] {
      let result = try CLIRunner.run([
        "plan", "mlp", "--devices", "4", "--search", search, "--format", "json",
      ])
      #expect(result.status == 0, "\(result.standardError)")
      let object =
        try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
      let results = object?["results"] as? [[String: Any]]
      let frontier = results?.first?["frontier"] as? [[String: Any]] ?? []
      return frontier.map { [$0["time_s"] as? Double ?? -1, $0["memory_bytes"] as? Double ?? -1] }
    }
    #expect(try costs("ft") == costs("exhaustive"))
  }

  @Test("the table names the default cluster first and shows the strategy in one line")
  func tableNamesTheDefaultCluster() throws {
    let result = try CLIRunner.run([
      "plan", "gpt-mini", "--devices", "4", "--batch", "4", "--seq", "64",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let lines = result.standardOutput.split(separator: "\n")
    #expect(
      lines.first?.hasPrefix("cluster: no --gpu or --cluster given; assuming h100-80g") == true)
    #expect(result.standardOutput.contains("dp"))
    #expect(result.standardOutput.contains("MFU"))
    #expect(result.standardError.isEmpty)
  }

  @Test("--output writes a plan file that reads back; bad input is one line and exit 2")
  func outputAndBadInput() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "plan-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("plan.json").path
    let result = try CLIRunner.run([
      "plan", "mlp", "--devices-range", "2,4", "--output", path, "--format", "json",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let written = try String(contentsOfFile: path, encoding: .utf8)
    #expect(written == result.standardOutput)
    for arguments in [
      ["plan", "mlp", "--devices", "0"], ["plan", "mlp", "--devices-range", "2,x"],
      ["plan", "mlp", "--devices", "4", "--memory-limit", "-1"],
    ] {
      let bad = try CLIRunner.run(arguments)
      #expect(bad.status == 2)
      #expect(bad.standardError.split(separator: "\n").count == 1)
    }
  }

  @Test("--report writes an HTML report with one frontier marker per frontier point")
  func reportFlagWritesHTML() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "plan-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let report = directory.appendingPathComponent("report.html").path
    let result = try CLIRunner.run([
      "plan", "gpt-mini", "--devices", "4", "--format", "json", "--report", report,
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let plan =
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
    let results = plan?["results"] as? [[String: Any]]
    let frontier = results?.first?["frontier"] as? [Any]
    let html = try String(contentsOfFile: report, encoding: .utf8)
    #expect(html.hasPrefix("<!DOCTYPE html>") || html.hasPrefix("<!doctype html>"))
    #expect(!html.contains("<script"))
    let markers = html.components(separatedBy: "class=\"frontier-point").count - 1
    #expect(frontier != nil && markers == frontier?.count)
    let missing = try CLIRunner.run([
      "plan", "mlp", "--devices", "2", "--report", "/nonexistent/r.html",
    ])
    #expect(missing.status == 2)
  }

  @Test("exhaustive search refuses gpt2 with a message naming the number of strategies")
  func exhaustiveRefusesLargeModels() throws {
    let result = try CLIRunner.run(["plan", "gpt2", "--devices", "8", "--search", "exhaustive"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("strategies exceed the limit"))
  }
}
