/// How close a device's matrix products come to its peak FLOP/s, as a function
/// of the product's shape.
///
/// The analytic model (used when no measurement covers a precision):
///
///     time(m, n, k) = overhead + 2·m·n·k / (peak · maxEfficiency · q(m)·q(n)·q(k)),
///     q(d) = d / (d + halfDimension)
///
/// `overhead` is the fixed cost of a kernel (launch, tail of the last wave);
/// `q` penalises thin products whose small extent starves the tiles. With
/// `halfDimension = 16`, q(64) = 0.8 and q(4096) ≈ 0.996.
public struct KernelEfficiency: Hashable, Sendable, Codable {
  /// The fraction of peak a large, square product reaches.
  public var maxEfficiency: Double
  /// The extent at which one dimension alone halves the efficiency.
  public var halfDimension: Double
  /// Fixed seconds per kernel.
  public var overhead: Double

  /// Creates an analytic efficiency model.
  public init(maxEfficiency: Double, halfDimension: Double, overhead: Double) {
    self.maxEfficiency = maxEfficiency
    self.halfDimension = halfDimension
    self.overhead = overhead
  }

  /// The fraction of peak a product of this shape reaches (overhead excluded).
  public func efficiency(m: Int, n: Int, k: Int) -> Double {
    func q(_ d: Int) -> Double { Double(d) / (Double(d) + halfDimension) }
    return maxEfficiency * q(m) * q(n) * q(k)
  }

  /// The predicted seconds of one product at `peak` FLOP/s.
  public func seconds(m: Int, n: Int, k: Int, peak: Double) -> Double {
    let flops = 2 * Double(m) * Double(n) * Double(k)
    return overhead + flops / (peak * efficiency(m: m, n: n, k: k))
  }
}
