/// A communication link as one device sees it: the alpha-beta model of a
/// transfer of `n` bytes taking `latency + n / bandwidth` seconds, plus a fixed
/// cost for each collective call.
public struct LinkSpec: Hashable, Sendable, Codable {
  /// Bytes per second one device can send (and, simultaneously, receive).
  public var bandwidth: Double
  /// Seconds of fixed cost per message (the alpha term, paid once per ring step).
  public var latency: Double
  /// Seconds of fixed cost per collective call, whatever its steps: entering and
  /// leaving the collective (0 for the GPU presets, whose `latency` covers it;
  /// fitted by `tensoropt profile` for worker threads).
  public var overhead: Double

  /// Creates a link.
  public init(bandwidth: Double, latency: Double, overhead: Double = 0) {
    self.bandwidth = bandwidth
    self.latency = latency
    self.overhead = overhead
  }

  /// The alpha-beta time of one message of `bytes` bytes.
  public func transferTime(bytes: Double) -> Double {
    bytes <= 0 ? 0 : latency + bytes / bandwidth
  }
}
