import Foundation

/// Runs the built `tensoropt` binary and captures what it prints.
struct CLIRunner {
  /// What one run produced.
  struct Result {
    var status: Int32
    var standardOutput: String
    var standardError: String
  }

  /// The repository root, from this file's path.
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The binary: next to the test bundle (the products directory), else under `.build/`.
  static let executable: URL? = {
    var directories: [URL] = []
    if let url = Bundle.main.executableURL { directories.append(url.deletingLastPathComponent()) }
    if let first = CommandLine.arguments.first {
      directories.append(URL(fileURLWithPath: first).deletingLastPathComponent())
    }
    for bundle in Bundle.allBundles {
      directories.append(bundle.bundleURL.deletingLastPathComponent())
    }
    directories.append(repository.appendingPathComponent(".build/debug"))
    directories.append(repository.appendingPathComponent(".build/release"))
    return directories.map { $0.appendingPathComponent("tensoropt") }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }()

  /// Runs `tensoropt arguments` in `directory` with extra environment variables.
  static func run(
    _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
  ) throws -> Result {
    guard let executable else { throw CocoaError(.fileNoSuchFile) }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var variables = ProcessInfo.processInfo.environment
    variables.merge(environment) { $1 }
    process.environment = variables
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // Read both pipes before waiting so a full pipe cannot block the child.
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
      standardError: String(decoding: errData, as: UTF8.self))
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tensoropt-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
