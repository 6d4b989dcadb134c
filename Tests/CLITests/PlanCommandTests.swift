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
    let frontier = try #require(object["frontier"] as? [[String: Any]])
    #expect(frontier.count > 1)
    let times = frontier.compactMap { $0["time_s"] as? Double }
    #expect(times == times.sorted())
    for entry in frontier {
      #expect(entry["memory_bytes"] is Double)
      let strategy = try #require(entry["strategy"] as? [String: Any])
      #expect((strategy["operators"] as? [String: String])?["fc1"] != nil)
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
      let frontier = object?["frontier"] as? [[String: Any]] ?? []
      return frontier.map { [$0["time_s"] as? Double ?? -1, $0["memory_bytes"] as? Double ?? -1] }
    }
    #expect(try costs("ft") == costs("exhaustive"))
  }

  @Test("exhaustive search refuses gpt2 with a message naming the number of strategies")
  func exhaustiveRefusesLargeModels() throws {
    let result = try CLIRunner.run(["plan", "gpt2", "--devices", "8", "--search", "exhaustive"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("strategies exceed the limit"))
  }
}
