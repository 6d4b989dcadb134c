import Foundation
import Testing

/// `--output` writes a whole file or nothing: a temporary file renamed into place,
/// and an existing file replaced only when the user named it.
@Suite("tensoropt --output files")
struct OutputFileCommandTests {
  @Test(
    "profile --output replaces the named file with a complete cluster file and leaves no temporary")
  func profileReplacesTheNamedFile() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("cluster.json")
    try Data("old".utf8).write(to: output)
    let result = try CLIRunner.run(
      ["profile", "--quick", "--devices", "2", "--output", output.path])
    #expect(result.status == 0, "\(result.standardError)")
    let written = try Data(contentsOf: output)
    let object = try JSONSerialization.jsonObject(with: written) as? [String: Any]
    #expect(object?["format"] as? String == "tensoropt-cluster/1")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["cluster.json"])
  }

  @Test("a refused profile leaves an existing --output file as it was")
  func refusedProfileKeepsTheFile() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("cluster.json")
    try Data("keep".utf8).write(to: output)
    let result = try CLIRunner.run(
      ["profile", "--devices", "1000000000000", "--output", output.path])
    #expect(result.status == 2)
    #expect(try String(contentsOf: output, encoding: .utf8) == "keep")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["cluster.json"])
  }

  @Test("profile into a directory exits 2 before measuring and creates nothing")
  func unwritableOutput() throws {
    let directory = try CLIRunner.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // A directory where the file should go: the rename cannot replace it.
    let output = directory.appendingPathComponent("cluster.json")
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: false)
    let result = try CLIRunner.run(
      ["profile", "--quick", "--devices", "2", "--output", output.path])
    #expect(result.status == 2)
    #expect(
      result.standardError == "tensoropt: error: cannot write \(output.path): it is a directory\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["cluster.json"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).isEmpty)
  }
}
