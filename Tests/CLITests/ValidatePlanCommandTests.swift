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

  @Test func validatePlanSplitsPredictedAndMeasuredCompute() throws {
    let plan = try Self.makePlan()
    let result = try CLIRunner.run([
      "validate", "--plan", plan, "--pick", "1", "--format", "json",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let run = try #require(try Self.runs(result.standardOutput).first)
    // The prediction's compute: the plan entry's forward, backward, recompute and
    // optimizer seconds, read from the plan file itself.
    let file = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: plan)))
        as? [String: Any])
    let results = try #require(file["results"] as? [[String: Any]])
    let entry = try #require((results.first?["frontier"] as? [[String: Any]])?.first)
    let time = try #require((entry["breakdown"] as? [String: Any])?["time"] as? [String: Double])
    let compute = try ["forward_s", "backward_s", "recompute_s", "optimizer_s"].reduce(0.0) {
      $0 + (try #require(time[$1]))
    }
    let predicted = try #require(run["predicted_compute_s"] as? Double)
    #expect(abs(predicted - compute) <= 1e-12 * compute)
    // The replayed step's last worker: compute and transfers are parts of its time.
    let measured = try #require(run["measured_time_s"] as? Double)
    let measuredCompute = try #require(run["measured_compute_s"] as? Double)
    let transfer = try #require(run["measured_transfer_s"] as? Double)
    #expect(measuredCompute > 0)
    #expect(transfer >= 0)
    #expect(measuredCompute + transfer <= measured * (1 + 1e-9))
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

  @Test func validatePlanCutsPipelineStagesWhereThePlanDoes() throws {
    let path = try CLIRunner.temporaryDirectory().appendingPathComponent("plan.json").path
    // Batch 4 on 8 devices without tensor parallelism leaves only pipelines.
    let planned = try CLIRunner.run([
      "plan", "gpt-mini", "--devices", "8", "--gpu", "cpu", "--batch", "4", "--seq", "32",
      "--max-tp", "1", "--output", path,
    ])
    #expect(planned.status == 0, "\(planned.standardError)")
    let result = try CLIRunner.run(["validate", "--plan", path, "--format", "json"])
    #expect(result.status == 0, "\(result.standardError)")
    let run = try #require(try Self.runs(result.standardOutput).first)
    #expect((run["strategy"] as? String)?.contains("pp2") == true)
    #expect(run["gradients_match"] as? Bool == true)
  }

  @Test func validatePlanRunsANonUniformStageSplit() throws {
    let path = try CLIRunner.temporaryDirectory().appendingPathComponent("plan.json").path
    // 4 layers on 3 pipeline stages (batch 4 does not split over 3 replicas).
    let planned = try CLIRunner.run([
      "plan", "gpt-mini", "--devices", "3", "--gpu", "cpu", "--batch", "4", "--seq", "32",
      "--max-tp", "1", "--output", path,
    ])
    #expect(planned.status == 0, "\(planned.standardError)")
    let plan = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        as? [String: Any])
    let results = try #require(plan["results"] as? [[String: Any]])
    let entry = try #require((results.last?["frontier"] as? [[String: Any]])?.first)
    let strategy = try #require(entry["strategy"] as? [String: Any])
    let stages = try #require(strategy["stages"] as? [[String: Any]])
    let layers = stages.compactMap { ($0["layers"] as? [[Int]])?.first }
    #expect(layers.count == 3)
    #expect(Set(layers.map { $0[1] - $0[0] }).count > 1, "\(layers)")
    let result = try CLIRunner.run(["validate", "--plan", path, "--pick", "1", "--format", "json"])
    #expect(result.status == 0, "\(result.standardError)")
    let run = try #require(try Self.runs(result.standardOutput).first)
    #expect((run["strategy"] as? String)?.contains("pp3[") == true)
    #expect(run["gradients_match"] as? Bool == true)
    #expect(run["predicted_time_s"] as? Double == entry["time_s"] as? Double)
  }

  @Test func validatePlanRunsAnOperatorWhoseConfigurationVariesByLayer() throws {
    let directory = try CLIRunner.temporaryDirectory()
    let path = directory.appendingPathComponent("plan.json").path
    let planned = try CLIRunner.run([
      "plan", "gpt-mini", "--devices", "2", "--gpu", "cpu", "--batch", "4", "--seq", "32",
      "--output", path,
    ])
    #expect(planned.status == 0, "\(planned.standardError)")
    // Give `layers/fc` a different configuration in the first repetition.
    var plan = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        as? [String: Any])
    var results = try #require(plan["results"] as? [[String: Any]])
    var frontier = try #require(results[results.count - 1]["frontier"] as? [[String: Any]])
    var strategy = try #require(frontier[0]["strategy"] as? [String: Any])
    var stages = try #require(strategy["stages"] as? [[String: Any]])
    var blocks = try #require(stages[0]["blocks"] as? [String: [String: Any]])
    var layers = try #require(blocks["layers"])
    var operators = try #require(layers["operators"] as? [String: [[String: Any]]])
    let run = try #require(operators["fc"]?.first)
    let count = try #require(run["count"] as? Int)
    let value = try #require(run["value"] as? String)
    let replicated = value.split(separator: ",").map { _ in "rep" }.joined(separator: ",")
    operators["fc"] = [
      ["count": 1, "value": replicated], ["count": count - 1, "value": value],
    ]
    layers["operators"] = operators
    blocks["layers"] = layers
    stages[0]["blocks"] = blocks
    strategy["stages"] = stages
    strategy["uniform_layout"] = false
    frontier[0]["strategy"] = strategy
    results[results.count - 1]["frontier"] = frontier
    plan["results"] = results
    try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: path))

    // The executor gives the first repetition its own configuration
    // (`layers[0]/fc`) and the distributed gradients still match one worker's.
    let result = try CLIRunner.run(["validate", "--plan", path, "--pick", "1", "--format", "json"])
    #expect(result.status == 0, "\(result.standardError)")
    let checked = try #require(try Self.runs(result.standardOutput).first)
    #expect(checked["gradients_match"] as? Bool == true)
  }
}
