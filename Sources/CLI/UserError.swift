import ArgumentParser
import Foundation
import TensorOpt

/// Runs `body`, turning a model or graph error into one `tensoropt: error: ...`
/// line on stderr and exit code 2.
func reportingUserErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ModelLoadError {
    throw failure(error.description)
  } catch let error as GraphError {
    throw failure(error.description)
  }
}

/// Prints `message` as one error line on stderr and returns exit code 2.
func failure(_ message: String) -> ExitCode {
  let line = String(message.map { $0.isNewline ? " " : $0 })
  FileHandle.standardError.write(Data("tensoropt: error: \(line)\n".utf8))
  return ExitCode(2)
}

/// Output formats of the reporting commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table
  case json
}

/// Encodes `value` as deterministic, pretty JSON (sorted keys) followed by a newline.
func jsonText<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
  return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
