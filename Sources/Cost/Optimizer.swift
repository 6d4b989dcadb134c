/// The optimizer whose state the model keeps per parameter.
public enum Optimizer: String, Codable, Sendable, CaseIterable, Hashable {
  /// Adam or AdamW: first and second moments.
  case adam
  /// SGD with momentum: one momentum buffer.
  case sgd

  /// fp32 state values per parameter (moments), excluding master weights.
  public var stateValues: Int {
    switch self {
    case .adam: 2
    case .sgd: 1
    }
  }
}

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

/// The precision policy of training.
public enum DTypePolicy: String, Codable, Sendable, CaseIterable, Hashable {
  /// Everything in fp32.
  case fp32
  /// bf16 activations, weights and gradients with fp32 master weights.
  case bf16
  /// fp16 activations, weights and gradients with fp32 master weights.
  case fp16

  /// Whether master weights are kept in fp32 beside 16-bit working copies.
  public var isMixed: Bool { self != .fp32 }

  /// Bytes per floating-point activation element.
  public var activationBytes: Int { isMixed ? 2 : 4 }

  /// The precision matrix products run in.
  public var computePrecision: ComputePrecision {
    switch self {
    case .fp32: .fp32
    case .bf16: .bf16
    case .fp16: .fp16
    }
  }
}
