/// A communication link as one device sees it: the alpha-beta model of a
/// transfer of `n` bytes taking `latency + n / bandwidth` seconds.
public struct LinkSpec: Hashable, Sendable, Codable {
  /// Bytes per second one device can send (and, simultaneously, receive).
  public var bandwidth: Double
  /// Seconds of fixed cost per message (the alpha term).
  public var latency: Double

  /// Creates a link.
  public init(bandwidth: Double, latency: Double) {
    self.bandwidth = bandwidth
    self.latency = latency
  }

  /// The alpha-beta time of one message of `bytes` bytes.
  public func transferTime(bytes: Double) -> Double {
    bytes <= 0 ? 0 : latency + bytes / bandwidth
  }
}
