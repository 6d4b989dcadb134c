import Foundation
import Testing

/// Runs docs/examples/PlanFromScript (the `ExampleScript` executable built with the tests).
@Suite("Library example script")
struct ExampleScriptTests {
  /// The built example, next to the `tensoropt` binary.
  static var executable: URL? {
    CLIRunner.executable.map {
      $0.deletingLastPathComponent().appendingPathComponent("ExampleScript")
    }
  }

  @Test func exampleEvaluatesQueriesExportsAndValidates() throws {
    let binary = try #require(Self.executable)
    let process = Process()
    process.executableURL = binary
    process.arguments = [
      CLIRunner.repository.appendingPathComponent("Tests/Fixtures/gpt2-a100-80g-8.plan.json").path
    ]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = Pipe()
    try process.run()
    let text = String(
      decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    #expect(text.contains("evaluate dp4 tp2:"))
    #expect(text.contains("frontier on 8 devices: 28 strategies"))
    #expect(text.contains("fastest within 2 GiB: #7"))
    #expect(text.contains("--tensor-model-parallel-size 1"))
    #expect(text.contains("smallest memory within 1 s:"))
    #expect(text.contains("gradients match: yes"))
  }
}
