/// The role a tensor dimension plays, which decides whether and how it may be
/// partitioned across devices.
public enum DimensionKind: String, Codable, Sendable, CaseIterable, Hashable {
  /// Samples of a (micro-)batch.
  case batch
  /// Token positions of a sequence.
  case sequence
  /// Attention heads.
  case heads
  /// The model (embedding) width.
  case hidden
  /// The feed-forward (intermediate) width.
  case ffn
  /// Vocabulary entries.
  case vocab
  /// Convolution channels or feature maps.
  case channels
  /// Image height or width.
  case spatial
  /// Anything else (head width, kernel taps, ...); never partitioned.
  case other

  /// The kind a dimension label names, e.g. `"seq"` → `.sequence`.
  ///
  /// Labels are matched case-insensitively; unknown labels are `.other`.
  public init(label: String) {
    switch label.lowercased() {
    case "batch", "samples": self = .batch
    case "seq", "sequence", "tokens": self = .sequence
    case "heads", "kv_heads", "qkv": self = .heads
    case "hidden", "embed", "model", "d_model": self = .hidden
    case "ffn", "inner", "intermediate", "mlp": self = .ffn
    case "vocab", "classes": self = .vocab
    case "channels", "features", "in_channels", "out_channels": self = .channels
    case "height", "width", "spatial": self = .spatial
    default: self = .other
    }
  }
}

/// One named dimension of a tensor shape.
public struct Dimension: Hashable, Sendable, CustomStringConvertible {
  /// The label, e.g. `"batch"`, `"hidden"`, `"channels"`; may be empty.
  public var label: String {
    didSet { kind = DimensionKind(label: label) }
  }
  /// The extent; always positive in a validated graph.
  public var size: Int
  /// The partitioning role derived from the label (kept with it: the cost
  /// model asks for it in its innermost loops).
  public private(set) var kind: DimensionKind

  /// Creates a dimension.
  public init(_ label: String, _ size: Int) {
    self.label = label
    self.size = size
    self.kind = DimensionKind(label: label)
  }

  public var description: String { label.isEmpty ? "\(size)" : "\(label)=\(size)" }
}

/// A tensor shape: an ordered list of named dimensions.
public typealias Shape = [Dimension]

extension Array where Element == Dimension {
  /// The sizes alone.
  public var sizes: [Int] { map(\.size) }

  /// The number of elements, or `nil` when the product overflows `Int`.
  public var elementCount: Int? {
    var product = 1
    for dimension in self {
      let (value, overflow) = product.multipliedReportingOverflow(by: dimension.size)
      if overflow { return nil }
      product = value
    }
    return product
  }

  /// The number of elements as a floating-point value (never overflows).
  public var elementCountAsDouble: Double { reduce(1.0) { $0 * Double($1.size) } }
}
