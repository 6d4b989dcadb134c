/// The attributes an operator may carry; which ones matter depends on its kind.
public struct OperatorAttributes: Hashable, Sendable {
  /// Whether a linear, normalisation or convolution operator has a bias.
  public var bias: Bool = true
  /// Embedding table rows (vocabulary size or maximum positions).
  public var rows: Int = 0
  /// Attention query heads.
  public var heads: Int = 0
  /// Attention key/value heads (grouped-query attention when fewer than ``heads``).
  public var kvHeads: Int = 0
  /// Whether attention is causally masked.
  public var causal: Bool = false
  /// Convolution or pooling window `(height, width)`.
  public var kernel: [Int] = [1, 1]
  /// Convolution or pooling stride `(height, width)`.
  public var stride: [Int] = [1, 1]
  /// Convolution or pooling zero padding `(height, width)`.
  public var padding: [Int] = [0, 0]
  /// Convolution groups.
  public var groups: Int = 1
  /// Dropout probability.
  public var probability: Double = 0
  /// The name of the operator whose weight this one shares (tied embeddings);
  /// a tied operator owns no parameters.
  public var tiedTo: String? = nil

  /// Attributes with every field at its default.
  public init() {}
}

/// One operator: a kind, its attributes, and (through its ``Node``) its inputs and output.
public struct Operator: Hashable, Sendable {
  /// What the operator computes.
  public var kind: OperatorKind
  /// Its attributes.
  public var attributes: OperatorAttributes

  /// Creates an operator.
  public init(_ kind: OperatorKind, attributes: OperatorAttributes = OperatorAttributes()) {
    self.kind = kind
    self.attributes = attributes
  }
}
