import Foundation

/// Runs the built `tensoropt` binary with a time limit and captures its output.
enum TimedProcess {
  /// What one run produced.
  struct Result {
    var status: Int32
    var timedOut: Bool
    var standardOutput: String
    var standardError: String
  }

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
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    directories.append(repository.appendingPathComponent(".build/debug"))
    directories.append(repository.appendingPathComponent(".build/release"))
    return directories.map { $0.appendingPathComponent("tensoropt") }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }()

  /// Runs `tensoropt arguments`, killing it after `limit` seconds.
  ///
  /// Output goes to temporary files rather than pipes, so a chatty child can
  /// never block on a full pipe while the test waits for it.
  static func run(_ arguments: [String], limit: TimeInterval) throws -> Result {
    guard let executable else { throw CocoaError(.fileNoSuchFile) }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tensoropt-replay-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outURL = directory.appendingPathComponent("stdout")
    let errURL = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
      try? out.close()
      try? err.close()
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"  // a crash should fail fast, not symbolicate
    process.environment = environment
    process.standardOutput = out
    process.standardError = err
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    try process.run()
    var timedOut = false
    if finished.wait(timeout: .now() + limit) == .timedOut {
      timedOut = true
      process.terminate()
      finished.wait()
    }
    return Result(
      status: process.terminationStatus, timedOut: timedOut,
      standardOutput: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
      standardError: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
  }
}
