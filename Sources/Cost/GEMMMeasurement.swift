/// One measured matrix product `C[m, n] = A[m, k] · B[k, n]`.
public struct GEMMMeasurement: Hashable, Sendable, Codable {
  /// The arithmetic it ran in.
  public var precision: ComputePrecision
  /// Rows of the result.
  public var m: Int
  /// Columns of the result.
  public var n: Int
  /// The contracted extent.
  public var k: Int
  /// Median seconds of one product.
  public var seconds: Double

  /// Creates a measurement.
  public init(precision: ComputePrecision, m: Int, n: Int, k: Int, seconds: Double) {
    self.precision = precision
    self.m = m
    self.n = n
    self.k = k
    self.seconds = seconds
  }

  /// `2·m·n·k`: a multiply-add counts as two operations.
  public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

  /// The achieved FLOP/s.
  public var throughput: Double { flops / seconds }
}
