import Foundation
import Testing

/// `tensoropt validate --plan FILE`: frontier entries of a plan run on the executor.
@Suite struct ValidatePlanCommandTests {
  /// A `cpu` plan for mlp on 2 devices, written to a fresh temporary directory.
  private static func makePlan() throws -> String {
    let path = try CLIRunner.temporaryDirectory().appendingPathComponent("plan.json").path
    let result = try CLIRunner.run([
      "plan", "mlp", "--devices", "2", "--gpu", "cpu", "--batch", "4", "--output", path,
    ])
    #expect(result.status == 0, "\(result.standardError)")
    return path
  }

  /// The `runs` array of `validate --format json` output.
  private static func runs(_ output: String) throws -> [[String: Any]] {
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    return try #require(json["runs"] as? [[String: Any]])
  }

  @Test func validatePlanRunsThePickedEntry() throws {
    let plan = try Self.makePlan()
    let result = try CLIRunner.run([
      "validate", "--plan", plan, "--pick", "1", "--format", "json",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let runs = try Self.runs(result.standardOutput)
    #expect(runs.count == 1)
    let run = try #require(runs.first)
    for key in [
      "predicted_time_s", "measured_time_s", "wall_time_s", "predicted_memory_bytes",
      "measured_memory_bytes", "gradients_match", "max_gradient_rel_error",
    ] {
      #expect(run.keys.contains(key), "missing \(key)")
    }
    #expect(run["gradients_match"] as? Bool == true)
    #expect((run["strategy"] as? String)?.hasPrefix("#1 ") == true)
    #expect(!result.standardError.contains("note:"), "a cpu fp32 plan needs no note")
  }

  @Test func validatePlanAllRunsEveryFrontierEntry() throws {
    let plan = try Self.makePlan()
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: plan)))
        as? [String: Any])
    let results = try #require(object["results"] as? [[String: Any]])
    let frontier = try #require(results.last?["frontier"] as? [Any])
    let result = try CLIRunner.run(["validate", "--plan", plan, "--all", "--format", "json"])
    #expect(result.status == 0, "\(result.standardError)")
    let runs = try Self.runs(result.standardOutput)
    let skipped = result.standardError.components(separatedBy: "skipped").count - 1
    #expect(runs.count + skipped == frontier.count)
    #expect(runs.allSatisfy { $0["gradients_match"] as? Bool == true })
  }

  @Test func validatePlanRefusesAPickOutOfRange() throws {
    let plan = try Self.makePlan()
    let result = try CLIRunner.run(["validate", "--plan", plan, "--pick", "999"])
    #expect(result.status == 2)
    #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    #expect(result.standardError.contains("--pick 999"))
  }

  @Test func validatePlanRefusesAMissingFile() throws {
    let result = try CLIRunner.run(["validate", "--plan", "/nonexistent/plan.json"])
    #expect(result.status == 2)
    #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    #expect(result.standardError.contains("/nonexistent/plan.json"))
  }
}
