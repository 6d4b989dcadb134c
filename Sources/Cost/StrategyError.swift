/// A strategy that cannot be evaluated (an impossible combination), in one line.
public struct StrategyError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What is wrong.
  public var message: String

  /// Creates an error.
  public init(_ message: String) { self.message = message }

  public var description: String { message }
}
