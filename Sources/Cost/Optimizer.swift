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
