/// Compares a profile's sgemm predictions with fresh measurements of shapes
/// off its grid.
public enum ProfileCheck {
  /// One compared shape.
  public struct Row: Hashable, Sendable {
    /// How the product read its operands.
    public var operands: GEMMOperands = .plain
    /// Result rows.
    public var m: Int
    /// Result columns.
    public var n: Int
    /// Contracted extent.
    public var k: Int
    /// Measured median seconds.
    public var measured: Double
    /// Predicted seconds.
    public var predicted: Double

    /// `predicted / measured − 1`.
    public var error: Double { predicted / measured - 1 }
  }

  /// Off-grid shapes (none a power of two in every extent), from thin to square,
  /// and two thin ones (a 3-row product, a 6-row weight gradient).
  public static let shapes: [(Int, Int, Int)] = [
    (96, 384, 200), (300, 700, 1500), (48, 1000, 80), (640, 640, 640), (1500, 200, 900),
    (24, 24, 24),
    (200, 1536, 768), (1200, 1200, 300), (72, 3000, 512), (512, 96, 1800),
    (3, 384, 768), (768, 384, 6),
  ]

  /// Measures `shapes` with `profiler` (with its ``MachineProfiler/concurrency``,
  /// as the grid was measured), each read every way the profiler's grid was
  /// (``MachineProfiler/operandVariants``, accumulating as the grid does), and
  /// compares with `cluster`'s predictions.
  public static func run(
    cluster: Cluster, profiler: MachineProfiler, shapes: [(Int, Int, Int)] = shapes
  ) -> [Row] {
    profiler.operandVariants.flatMap { operands in
      shapes.map { m, n, k in
        Row(
          operands: operands, m: m, n: n, k: k,
          measured: profiler.concurrently {
            profiler.gemmSeconds(
              m: m, n: n, k: k, operands: operands,
              accumulating: profiler.accumulates(operands, k: k))
          },
          predicted: cluster.device.gemmSeconds(
            m: m, n: n, k: k, precision: .fp32, operands: operands))
      }
    }
  }
}
