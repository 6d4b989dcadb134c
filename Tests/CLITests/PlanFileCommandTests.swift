import Foundation
import Testing

/// `report`, `explain` and `export` on the committed gpt2 sample plan.
@Suite("Plan file commands")
struct PlanFileCommandTests {
  static let sample = CLIRunner.repository.appendingPathComponent(
    "Tests/Fixtures/gpt2-a100-80g-8.plan.json"
  ).path

  @Test func reportWritesOneSelfContainedHTMLFile() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let run = try CLIRunner.run(["report", Self.sample, "-o", "report.html"], in: directory)
    #expect(run.status == 0, "\(run.standardError)")
    let html = try String(
      contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("class=\"frontier-point\""))
    #expect(!html.contains("<script"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.html"])
  }

  @Test func reportReplacesTheFileNamedWithOutput() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let target = directory.appendingPathComponent("old.html")
    try Data("old".utf8).write(to: target)
    let run = try CLIRunner.run(["report", Self.sample, "--output", target.path])
    #expect(run.status == 0)
    #expect(try String(contentsOf: target, encoding: .utf8).contains("<svg"))
  }

  @Test func explainDescribesThePickedStrategy() throws {
    let run = try CLIRunner.run(["explain", Self.sample, "--pick", "19"])
    #expect(run.status == 0)
    #expect(run.standardOutput.contains("dp2 tp2 pp2"))
    #expect(run.standardOutput.contains("Collectives"))
  }

  @Test func exportPrintsEachTargetsConfiguration() throws {
    for (target, marker) in [
      ("megatron", "--tensor-model-parallel-size"), ("deepspeed", "\"train_batch_size\""),
      ("torchtitan", "[parallelism]"),
    ] {
      let run = try CLIRunner.run(["export", Self.sample, "--pick", "19", "--to", target])
      #expect(run.status == 0, "\(target): \(run.standardError)")
      #expect(run.standardOutput.contains(marker), "\(target)")
    }
  }

  @Test func exportNamesTheNearestPlanOnStandardError() throws {
    let run = try CLIRunner.run(["export", Self.sample, "--pick", "19", "--to", "torchtitan"])
    #expect(run.status == 0)
    #expect(run.standardError.contains("nearest expressible plan: dp2 tp2 pp2 mb2 1f1b"))
    #expect(run.standardError.contains("predicted"))
  }

  @Test func exportAsJSONCarriesLimitationsAndTheNearestPlan() throws {
    let run = try CLIRunner.run([
      "export", Self.sample, "--pick", "19", "--to", "torchtitan", "--format", "json",
    ])
    #expect(run.status == 0)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
    #expect(object["target"] as? String == "torchtitan")
    #expect((object["limitations"] as? [String])?.isEmpty == false)
    #expect((object["nearest"] as? [String: Any])?["time_s"] is Double)
  }

  @Test func pickOutOfRangeIsOneErrorLineNamingTheFile() throws {
    let run = try CLIRunner.run(["explain", Self.sample, "--pick", "99"])
    #expect(run.status == 2)
    #expect(run.standardError.hasPrefix("tensoropt: error: \(Self.sample): --pick 99"))
    #expect(run.standardError.split(separator: "\n").count == 1)
  }

  @Test func malformedPlanIsOneErrorLineNamingFileAndField() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("plan.json").path
    try Data(#"{"format": "tensoropt-plan/1", "model": {}}"#.utf8).write(
      to: URL(fileURLWithPath: path))
    for command in ["report", "explain", "export"] {
      var arguments = [command, path]
      if command == "export" { arguments += ["--to", "megatron"] }
      let run = try CLIRunner.run(arguments)
      #expect(run.status == 2, "\(command)")
      #expect(run.standardError == "tensoropt: error: \(path): field .model.name is missing\n")
    }
  }

  @Test func unknownExportTargetIsAUsageError() throws {
    let run = try CLIRunner.run(["export", Self.sample, "--to", "jax"])
    #expect(run.status == 2)
    #expect(run.standardError.hasPrefix("tensoropt: error:"))
  }
}
