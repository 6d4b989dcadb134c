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
  ///
  /// Line breaks become spaces, and a part longer than ``maximumPartLength``
  /// characters keeps its start and end around an ellipsis, so that a file
  /// with a 10 MB name or op kind does not make a 10 MB error line.
  public var description: String {
    [file, subject, message].filter { !$0.isEmpty }.map(Self.oneLine).joined(separator: ": ")
  }

  /// The longest file, subject or message ``description`` shows in full.
  public static let maximumPartLength = 600

  /// `text` with line breaks as spaces, its middle elided when it is too long.
  /// Works on Unicode scalars: per-character work on a 10 MB string is slow.
  static func oneLine(_ text: String) -> String {
    var scalars = text.unicodeScalars
    let half = maximumPartLength / 2
    if scalars.count > maximumPartLength {
      var clipped = String.UnicodeScalarView(scalars.prefix(half))
      clipped.append(contentsOf: " … ".unicodeScalars)
      clipped.append(contentsOf: scalars.suffix(half))
      scalars = clipped
    }
    let breaks: Set<Unicode.Scalar> = [
      "\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}",
    ]
    return String(String.UnicodeScalarView(scalars.map { breaks.contains($0) ? " " : $0 }))
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
