import Foundation
import Testing

/// Absurd sizes end in one `tensoropt: error:` line and exit code 2 — never a
/// trap or an attempt to allocate terabytes.
@Suite("tensoropt with absurd sizes")
struct SizeLimitCommandTests {
  static let cases: [[String]] = [
    ["evaluate", "gpt2", "--devices", "1000000000000"],
    ["evaluate", "gpt2", "--devices", "9223372036854775807"],
    ["evaluate", "gpt2", "--devices", "8", "--batch", "1000000000000000"],
    ["evaluate", "gpt2", "--devices", "8", "--seq", "1000000000000"],
    ["evaluate", "gpt2", "--devices", "8", "--tp", "4294967296", "--pp", "4294967296"],
    ["evaluate", "gpt2", "--devices", "8", "--microbatch", "1000000000000000"],
    ["evaluate", "gpt2", "--devices", "8", "--gpus-per-node", "1000000000000"],
    ["validate", "gpt2", "--devices", "1000000000000"],
    ["validate", "mlp", "--devices", "2", "--batch", "1000000000000"],
    ["validate", "gpt-mini", "--devices", "1", "--seq", "1000000000000"],
    ["validate", "gpt-mini", "--devices", "1", "--seq", "1000000"],
    ["validate", "mlp", "--devices", "8", "--tp", "4294967296", "--pp", "4294967296"],
    ["profile", "--devices", "1000000000000", "--output", "/nonexistent/never-written.json"],
    ["plan", "gpt2", "--devices", "1000000000000"],
    ["plan", "mlp", "--devices", "4", "--batch", "1000000000000"],
    ["plan", "gpt2", "--devices", "8", "--seq", "1000000000000"],
  ]

  @Test("exits 2 with one error line", arguments: cases)
  func exitsWithOneLine(_ arguments: [String]) throws {
    let result = try CLIRunner.run(arguments)
    #expect(result.status == 2, "\(arguments): \(result.standardError.prefix(300))")
    #expect(result.standardError.hasPrefix("tensoropt: error: "))
    #expect(result.standardError.split(separator: "\n").count == 1)
  }

  @Test("names the flag and its limit")
  func namesTheLimit() throws {
    let result = try CLIRunner.run(["evaluate", "gpt2", "--devices", "1000000000000"])
    #expect(
      result.standardError
        == "tensoropt: error: --devices 1000000000000 is too large (at most 1048576)\n")
  }
}
