import Foundation
import Testing

@Suite struct ValidateCommandTests {
  @Test func validateReportsAMatchingRunAsJSON() throws {
    let result = try CLIRunner.run([
      "validate", "mlp", "--devices", "4", "--tp", "2", "--batch", "4", "--format", "json",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    let runs = try #require(json["runs"] as? [[String: Any]])
    #expect(runs.count == 1)
    for key in [
      "predicted_time_s", "measured_time_s", "wall_time_s", "predicted_memory_bytes",
      "measured_memory_bytes",
      "gradients_match", "max_gradient_rel_error",
    ] {
      #expect(runs[0].keys.contains(key), "missing \(key)")
    }
    #expect(runs[0]["gradients_match"] as? Bool == true)
    #expect((runs[0]["predicted_time_s"] as? Double ?? 0) > 0)
  }

  @Test func validateRefusesDegreesThatDoNotMultiplyToTheDevices() throws {
    let result = try CLIRunner.run(["validate", "mlp", "--devices", "4", "--tp", "3"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("--devices"))
  }

  @Test func validateRefusesAModelTooLargeForThisMachine() throws {
    let result = try CLIRunner.run(["validate", "llama2-70b", "--devices", "8", "--tp", "8"])
    #expect(result.status == 2)
    #expect(result.standardError.contains("refused"))
  }
}
