/// A problem with a model argument, file or configuration: names the file, the
/// part of it at fault (an op, a tensor, a field) and what is wrong, in one line.
///
/// `description` reads `file: subject: message`, e.g.
/// `model.json: op 'fc2': linear: leading output dimensions: expected [8, 1024], declared [8, 512]`.
public struct ModelLoadError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The file (or zoo name, or command-line argument) the problem is in.
  public var file: String
  /// The op, tensor, block or field at fault, e.g. `op 'fc2'` or `training.dtype`.
  public var subject: String
  /// What is wrong.
  public var message: String

  /// Creates an error about `subject` in `file`.
  public init(file: String, subject: String, message: String) {
    self.file = file
    self.subject = subject
    self.message = message
  }

  /// The error as one line: `file: subject: message` (empty parts are left out).
  public var description: String {
    let line = [file, subject, message].filter { !$0.isEmpty }.joined(separator: ": ")
    return String(line.map { $0.isNewline ? " " : $0 })
  }

  /// An error whose file is filled in later by the importer that knows it.
  init(_ subject: String, _ message: String) {
    self.init(file: "", subject: subject, message: message)
  }

  /// The same error, attributed to `file` unless it already names one.
  func inFile(_ file: String) -> ModelLoadError {
    var copy = self
    if copy.file.isEmpty { copy.file = file }
    return copy
  }
}
