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
  /// Bytes per second of the copy a member makes of its own chunk in the
  /// collectives that write a separate output (all-gather, reduce-scatter,
  /// all-to-all), paid on top of the transfers; `nil` when that copy overlaps them.
  /// Worker threads copy their own chunk on the core that copies the others' (the
  /// profile's copy bandwidth); a GPU copies it beside the link's traffic (`nil`).
  public var localCopyBandwidth: Double?

  /// Creates a link.
  public init(
    bandwidth: Double, latency: Double, overhead: Double = 0, localCopyBandwidth: Double? = nil
  ) {
    self.bandwidth = bandwidth
    self.latency = latency
    self.overhead = overhead
    self.localCopyBandwidth = localCopyBandwidth
  }

  /// Seconds of the serial copy of a member's own chunk of `bytes` bytes (0 when
  /// the copy overlaps the transfers).
  public func localCopyTime(bytes: Double) -> Double {
    guard let rate = localCopyBandwidth, rate > 0, bytes > 0 else { return 0 }
    return bytes / rate
  }

  /// The alpha-beta time of one message of `bytes` bytes.
  public func transferTime(bytes: Double) -> Double {
    bytes <= 0 ? 0 : latency + bytes / bandwidth
  }
}
