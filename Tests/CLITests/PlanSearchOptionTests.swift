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

/// The operator-level search's frontier next to the uniform strategies it generalises.
@Suite("plan --search ft frontier")
struct PlanSearchFrontierTests {
  @Test(
    "gpt-mini on 4 a100-80g: the frontier holds pure data parallelism, Megatron tensor parallelism and mixed per-operator points; evaluate reproduces the uniform ones"
  )
  func frontierHoldsDataTensorAndMixedPoints() throws {
    let result = try CLIRunner.run([
      "plan", "gpt-mini", "--devices", "4", "--gpu", "a100-80g", "--search", "ft", "--format",
      "json",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let plan = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    let results = (plan as? [String: Any])?["results"] as? [[String: Any]] ?? []
    let frontier = results.first?["frontier"] as? [[String: Any]] ?? []
    func strategy(_ entry: [String: Any]) -> [String: Any] {
      entry["strategy"] as? [String: Any] ?? [:]
    }
    func int(_ entry: [String: Any], _ key: String) -> Int { strategy(entry)[key] as? Int ?? -99 }
    let uniform = frontier.filter { int($0, "data_axis") == 0 && int($0, "pp") == 1 }
    let dataParallel = try #require(uniform.first { int($0, "dp") == 4 && int($0, "tp") == 1 })
    let tensorParallel = try #require(uniform.first { int($0, "tp") > 1 })
    // An operator-level point whose operators do not all share one configuration.
    let mixed = frontier.filter { entry in
      guard int(entry, "data_axis") == -1,
        let stages = strategy(entry)["stages"] as? [[String: Any]]
      else { return false }
      var values = Set<String>()
      for stage in stages {
        for value in (stage["operators"] as? [String: String] ?? [:]).values {
          values.insert(value)
        }
        for block in (stage["blocks"] as? [String: [String: Any]] ?? [:]).values {
          for runs in (block["operators"] as? [String: [[String: Any]]] ?? [:]).values {
            for run in runs { values.insert(run["value"] as? String ?? "") }
          }
        }
      }
      return values.count > 1
    }
    #expect(!mixed.isEmpty)
    for entry in [dataParallel, tensorParallel] {
      let s = strategy(entry)
      var arguments = [
        "evaluate", "gpt-mini", "--devices", "4", "--gpu", "a100-80g", "--format", "json",
        "--dp", "\(int(entry, "dp"))", "--tp", "\(int(entry, "tp"))", "--pp", "1",
        "--microbatch", "\(int(entry, "microbatch"))",
        "--schedule", s["schedule"] as? String ?? "", "--recompute",
        s["recompute"] as? String ?? "",
        "--zero", "\(int(entry, "zero"))",
      ]
      if s["sequence_parallel"] as? Bool == true { arguments.append("--sequence-parallel") }
      let evaluated = try CLIRunner.run(arguments)
      #expect(evaluated.status == 0, "\(evaluated.standardError)")
      let object = try JSONSerialization.jsonObject(with: Data(evaluated.standardOutput.utf8))
      let time = (object as? [String: Any])?["time_s"] as? Double ?? -1
      let planned = entry["time_s"] as? Double ?? -2
      #expect(abs(time - planned) <= 1e-9 * planned, "\(arguments.joined(separator: " "))")
    }
  }
}
