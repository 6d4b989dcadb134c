import Foundation
import TensorOptImport
import Testing

/// Replays every fuzz corpus input (`Tests/FuzzCorpus/NAME/`): each must end in
/// a result or in one clean error — in process a ``ModelLoadError`` on one
/// line, through `tensoropt` exit status 0, or 2 with exactly one stderr line —
/// never a crash, a hang or a runaway allocation. See `docs/fuzzing.md`.
@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
  /// Seconds one `tensoropt` run may take (a debug build, on a shared machine).
  static let timeLimit: TimeInterval = 20
  /// How many inputs per target go through a `tensoropt` process (about 0.1 s each).
  static let processLimit = 50

  @Test("every corpus directory has a replay target and inputs")
  func everyCorpusIsReplayed() throws {
    let known = Set(ReplayTarget.all.map(\.name))
    for name in try ReplayTarget.corpusNames() {
      #expect(known.contains(name), "Tests/FuzzCorpus/\(name) has no entry in ReplayTarget.all")
    }
    for target in ReplayTarget.all {
      #expect(try !target.inputs().isEmpty, "Tests/FuzzCorpus/\(target.name) is empty")
    }
  }

  @Test(
    "in process, every input loads or throws one one-line ModelLoadError",
    arguments: ReplayTarget.all.map(\.name))
  func inProcess(_ name: String) throws {
    let target = try #require(ReplayTarget.all.first { $0.name == name })
    for url in try target.inputs() {
      let data = try Data(contentsOf: url)
      do {
        try target.load(data)
      } catch let error as ModelLoadError {
        let line = error.description
        #expect(!line.isEmpty && !line.contains(where: \.isNewline), "\(url.lastPathComponent)")
      } catch {
        Issue.record("\(url.lastPathComponent): not a ModelLoadError: \(error)")
      }
    }
  }

  @Test(
    "tensoropt exits 0, or 2 with one stderr line, within the time limit (named inputs and a sample)",
    arguments: ReplayTarget.all.map(\.name))
  func throughTheCommandLine(_ name: String) throws {
    let target = try #require(ReplayTarget.all.first { $0.name == name })
    for url in try target.sampledInputs(limit: Self.processLimit) {
      let file = url.lastPathComponent
      let result = try TimedProcess.run(target.arguments(url.path), limit: Self.timeLimit)
      #expect(!result.timedOut, "\(file): still running after \(Self.timeLimit) s")
      switch result.status {
      case 0:
        #expect(result.standardError.isEmpty, "\(file): \(result.standardError)")
        #expect(!result.standardOutput.isEmpty, "\(file): no output")
      case 2:
        let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "\(file): \(result.standardError)")
        #expect(result.standardError.hasPrefix("tensoropt: error: "), "\(file)")
        #expect(result.standardOutput.isEmpty, "\(file): \(result.standardOutput)")
      default:
        Issue.record("\(file): exit status \(result.status): \(result.standardError.prefix(500))")
      }
    }
  }
}
