/// A cluster file that cannot be used: names the file and the field.
public struct ClusterFileError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The file's path.
  public var file: String
  /// The offending field as a dotted path (`device.peak_flops.fp32`), or empty.
  public var field: String
  /// What is wrong, in one line.
  public var message: String

  /// Creates an error.
  public init(file: String, field: String, message: String) {
    self.file = file
    self.field = field
    self.message = message
  }

  public var description: String {
    field.isEmpty ? "\(file): \(message)" : "\(file): field '\(field)': \(message)"
  }
}
