import ArgumentParser
import Foundation

extension TensorOptCommand {
  /// Parses and runs the command line. Help and explicit exit codes behave as
  /// ArgumentParser makes them; any other error — an unknown option, a value out
  /// of range — becomes one `tensoropt: error:` line on stderr and exit code 2.
  static func runReportingUsageErrors() -> Never {
    do {
      var command = try parseAsRoot()
      try command.run()
      exit(withError: nil)
    } catch let code as ExitCode {
      exit(withError: code)
    } catch {
      guard exitCode(for: error) != .success else { exit(withError: error) }
      let message =
        fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
      let line = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
      FileHandle.standardError.write(Data("tensoropt: error: \(line)\n".utf8))
      Foundation.exit(2)
    }
  }
}
