import TensorOptGraph

/// The arithmetic a kernel runs in, which decides the device's peak FLOP/s.
public enum ComputePrecision: String, Codable, Sendable, CaseIterable, Hashable {
  /// IEEE single precision on the general-purpose (non-tensor) units.
  case fp32
  /// TensorFloat-32 tensor-core arithmetic on fp32 data.
  case tf32
  /// Half precision on the tensor cores.
  case fp16
  /// bfloat16 on the tensor cores.
  case bf16

  /// The precision the matrix products of a model trained in `dtype` run in.
  ///
  /// fp32 training is costed at the fp32 peak (TF32 is opt-in: name it in a
  /// cluster's kernel table or peak list and pass it explicitly).
  public init(training dtype: DType) {
    switch dtype {
    case .fp16: self = .fp16
    case .bf16: self = .bf16
    default: self = .fp32
    }
  }
}
