/// Bytes per parameter of the model states, by training dtype and optimizer
/// (the accounting of the ZeRO paper, Rajbhandari et al. 2020, §3.1).
///
/// | dtype      | weights | gradients | optimizer state                 | total (Adam / SGD) |
/// |------------|---------|-----------|---------------------------------|--------------------|
/// | fp32       | 4       | 4         | 4 per moment                    | 16 / 12            |
/// | bf16, fp16 | 2       | 2         | 4 (fp32 master) + 4 per moment  | 16 / 12            |
public struct StateBytes: Hashable, Sendable {
  /// Bytes of the working weights.
  public var weights: Double
  /// Bytes of the gradients.
  public var gradients: Double
  /// Bytes of optimizer state (master weights included for mixed precision).
  public var optimizer: Double

  /// The per-parameter bytes of training in `dtype` with `optimizer`.
  public init(dtype: DTypePolicy, optimizer kind: Optimizer) {
    let mixed = dtype.isMixed
    weights = mixed ? 2 : 4
    gradients = mixed ? 2 : 4
    optimizer = (mixed ? 4 : 0) + 4 * Double(kind.stateValues)
  }

  /// The sum of the three.
  public var total: Double { weights + gradients + optimizer }

  /// Bytes the optimizer step reads and writes per parameter: gradient, weights
  /// (and master), and each moment read; weights (and master) and moments written.
  public var stepTraffic: Double { gradients + 2 * (weights + optimizer) }
}
