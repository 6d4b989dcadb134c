import Foundation
import TensorOptPlan
import Testing

/// The plan-file inputs that trapped or hung `explain`, `export` or `report`
/// before `PlanFile.checkLimits()` (`regression-…`), and sizes it refuses
/// (`limit-…`), in `Tests/FuzzCorpus/plan-file/`: each is refused when read,
/// with one line naming the field, and every command that reads plan files
/// exits 2 with that line. See docs/fuzzing.md.
@Suite("Plan file limits")
struct PlanFileLimitsTests {
  /// Each refused input and the start of its error line.
  static let refused: [(file: String, error: String)] = [
    (
      "regression-dp-overflow.json",
      "field .results[1].frontier[0].strategy.dp is 4611686018427387904, out of range"
    ),
    ("regression-interleave-overflow.json", "field .results[1].frontier[0].strategy.interleave is"),
    (
      "regression-first-device-overflow.json",
      "field .results[1].frontier[0].strategy.stages[0].first_device is"
    ),
    (
      "regression-layout-million-ranks.json", "field .results[1].frontier[0].strategy.tp is 1048577"
    ),
    (
      "regression-pp-million.json",
      "field .results[1].frontier[0].strategy: dp 1 × tp 2 × pp 1000000 is not"
    ),
    ("regression-time-1e308.json", "field .results[1].frontier[0].time_s is 1e+308, larger than"),
    ("limit-batch-2e62.json", "field .model.batch is 4611686018427387904, out of range"),
    (
      "limit-run-count-2e62.json",
      "field .results[0].frontier[0].strategy.stages[0].blocks.layers.operators.attn[0].count is"
    ),
  ]

  static func url(_ file: String) -> URL {
    ReplayTarget.corpusRoot.appendingPathComponent("plan-file").appendingPathComponent(file)
  }

  @Test("every regression and limit input is listed here")
  func everyNamedInputIsListed() throws {
    let named = try FileManager.default.contentsOfDirectory(
      atPath: ReplayTarget.corpusRoot.appendingPathComponent("plan-file").path
    ).filter { $0.hasPrefix("regression-") || $0.hasPrefix("limit-") }
    #expect(Set(named) == Set(Self.refused.map(\.file)))
  }

  @Test("the seeds, written by `tensoropt plan`, are within the limits")
  func seedsAreAccepted() throws {
    let seeds =
      try ReplayTarget.all.first { $0.name == "plan-file" }?.inputs()
      .filter { $0.lastPathComponent.hasPrefix("seed-") } ?? []
    #expect(!seeds.isEmpty)
    for url in seeds {
      #expect(throws: Never.self, "\(url.lastPathComponent)") {
        try PlanFile.decode(Data(contentsOf: url))
      }
    }
  }

  @Test("reading refuses the input with one line naming the field", arguments: refused.map(\.file))
  func decodingRefuses(_ file: String) throws {
    let expected = try #require(Self.refused.first { $0.file == file }?.error)
    do {
      _ = try PlanFile.decode(Data(contentsOf: Self.url(file)))
      Issue.record("\(file) was accepted")
    } catch let error as PlanFileError {
      #expect(error.message.hasPrefix(expected), "\(file): \(error.message)")
      let oneLine = !error.message.contains(where: \.isNewline)
      #expect(oneLine, "\(file)")
    }
  }

  @Test(
    "explain, report, export and validate --plan exit 2 with one line",
    arguments: refused.map(\.file))
  func commandsExitTwo(_ file: String) throws {
    let path = Self.url(file).path
    for arguments in [
      ["explain", path], ["report", path], ["export", path, "--to", "megatron"],
      ["validate", "--plan", path],
    ] {
      let result = try TimedProcess.run(arguments, limit: FuzzCorpusReplayTests.timeLimit)
      let command = "\(arguments[0]) \(file)"
      #expect(!result.timedOut, "\(command): still running")
      #expect(result.status == 2, "\(command): exit \(result.status)")
      #expect(result.standardError.hasPrefix("tensoropt: error: \(path): field "), "\(command)")
      #expect(result.standardError.filter(\.isNewline).count == 1, "\(command)")
    }
  }
}
