/// The kinds of operator the IR knows. The raw value is the spelling in model.json.
public enum OperatorKind: String, Codable, Sendable, CaseIterable, Hashable {
  /// Table lookup: int ids `[..., ]` → `[..., dim]`; the table has `rows × dim` parameters.
  case embedding
  /// `y = x·W (+ b)`: `[..., in]` → `[..., out]`, weight `in × out`.
  case linear
  /// Product of two activations `[..., m, k] · [..., k, n]` → `[..., m, n]`.
  case matmul
  /// Same as ``matmul`` with explicit leading batch dimensions.
  case batchedMatmul = "batched_matmul"
  /// Scaled dot-product attention core (QKᵀ, softmax, ·V) over a packed
  /// `[..., seq, (heads + 2·kvHeads)·headDim]` input; output `[..., seq, heads·headDim]`.
  case attention
  /// Layer normalisation over the last dimension (scale and optional bias).
  case layerNorm = "layernorm"
  /// RMS normalisation over the last dimension (scale only).
  case rmsNorm = "rmsnorm"
  /// GELU activation.
  case gelu
  /// ReLU activation.
  case relu
  /// SiLU (swish) activation.
  case silu
  /// SwiGLU gate of two same-shaped inputs (gate, up): `silu(gate) * up`.
  case swiglu
  /// Element-wise sum of two same-shaped inputs (residual connections).
  case add
  /// Dropout (keeps a one-byte mask per element for backward).
  case dropout
  /// Softmax over the last dimension.
  case softmax
  /// Softmax cross-entropy of logits `[..., vocab]` against integer labels; output is a scalar.
  case crossEntropy = "cross_entropy"
  /// 2-D convolution, NCHW.
  case conv2d
  /// Max pooling, NCHW.
  case maxPool = "maxpool"
  /// Average pooling, NCHW.
  case avgPool = "avgpool"
  /// Global average pooling `[n, c, h, w]` → `[n, c]`.
  case globalAvgPool = "global_avgpool"
  /// Batch normalisation over channels (NCHW).
  case batchNorm = "batchnorm"
  /// Collapse all dimensions after the first: `[n, ...]` → `[n, prod(...)]`.
  case flatten
  /// Reinterpret the elements under the declared output shape.
  case reshape

  /// Whether the operator is a pure element-wise map of one input.
  public var isUnaryElementwise: Bool {
    switch self {
    case .gelu, .relu, .silu, .dropout: true
    default: false
    }
  }
}
