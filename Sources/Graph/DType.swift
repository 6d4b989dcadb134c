/// The element type of a tensor.
public enum DType: String, Codable, Sendable, CaseIterable, Hashable {
  /// IEEE 754 single precision.
  case fp32
  /// IEEE 754 half precision.
  case fp16
  /// bfloat16.
  case bf16
  /// 32-bit integer (token ids, labels).
  case int32
  /// 64-bit integer.
  case int64

  /// Bytes per element.
  public var byteCount: Int {
    switch self {
    case .fp32, .int32: 4
    case .fp16, .bf16: 2
    case .int64: 8
    }
  }

  /// Whether the type holds floating-point values (activations, weights).
  public var isFloatingPoint: Bool {
    switch self {
    case .fp32, .fp16, .bf16: true
    case .int32, .int64: false
    }
  }
}
