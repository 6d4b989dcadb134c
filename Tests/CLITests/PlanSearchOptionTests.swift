import Foundation
import Testing

/// `plan --search`: naming a method runs the operator-level search on any graph.
@Suite("plan --search")
struct PlanSearchOptionTests {
  /// The number of operator-level (FT) points among a plan's frontier entries.
  func searchedPoints(_ extra: [String]) throws -> Int {
    let result = try CLIRunner.run(
      ["plan", "gpt-mini", "--devices", "2", "--gpu", "cpu", "--format", "json"] + extra)
    #expect(result.status == 0, "\(result.standardError)")
    let plan = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    let results = (plan as? [String: Any])?["results"] as? [[String: Any]] ?? []
    return results.flatMap { $0["frontier"] as? [[String: Any]] ?? [] }.filter {
      (($0["strategy"] as? [String: Any])?["data_axis"] as? Int) == -1
    }.count
  }

  @Test("gpt-mini is above the automatic size limit: FT runs only when --search names it")
  func namingTheSearchRunsIt() throws {
    #expect(try searchedPoints([]) == 0)
    #expect(try searchedPoints(["--search", "ft"]) > 0)
    #expect(try searchedPoints(["--search", "ft", "--operator-search", "never"]) == 0)
  }
}
