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
