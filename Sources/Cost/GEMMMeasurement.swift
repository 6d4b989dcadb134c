/// One measured matrix product `C[m, n] = op(A)[m, k] · op(B)[k, n]`.
public struct GEMMMeasurement: Hashable, Sendable, Codable {
  /// The arithmetic it ran in.
  public var precision: ComputePrecision
  /// How it read its operands (``GEMMOperands/plain`` unless measured otherwise).
  public var operands: GEMMOperands
  /// Rows of the result.
  public var m: Int
  /// Columns of the result.
  public var n: Int
  /// The contracted extent.
  public var k: Int
  /// Median seconds of one product.
  public var seconds: Double

  /// Creates a measurement.
  public init(
    precision: ComputePrecision, operands: GEMMOperands = .plain, m: Int, n: Int, k: Int,
    seconds: Double
  ) {
    self.precision = precision
    self.operands = operands
    self.m = m
    self.n = n
    self.k = k
    self.seconds = seconds
  }

  private enum CodingKeys: String, CodingKey {
    case precision, operands, m, n, k, seconds
  }

  /// Decodes a measurement; a missing `operands` is ``GEMMOperands/plain``.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    precision = try container.decode(ComputePrecision.self, forKey: .precision)
    operands = try container.decodeIfPresent(GEMMOperands.self, forKey: .operands) ?? .plain
    m = try container.decode(Int.self, forKey: .m)
    n = try container.decode(Int.self, forKey: .n)
    k = try container.decode(Int.self, forKey: .k)
    seconds = try container.decode(Double.self, forKey: .seconds)
  }

  /// `2·m·n·k`: a multiply-add counts as two operations.
  public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

  /// The achieved FLOP/s.
  public var throughput: Double { flops / seconds }
}
