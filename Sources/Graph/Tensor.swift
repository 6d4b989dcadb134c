/// Identifies a tensor within one ``Graph``: an index into ``Graph/tensors``.
public typealias TensorID = Int

/// A value flowing along a graph edge.
public struct Tensor: Hashable, Sendable {
  /// The name the model file gives it (unique within its graph).
  public var name: String
  /// The shape, outermost dimension first.
  public var shape: Shape
  /// The element type.
  public var dtype: DType

  /// Creates a tensor.
  public init(name: String, shape: Shape, dtype: DType) {
    self.name = name
    self.shape = shape
    self.dtype = dtype
  }

  /// The number of elements (validated graphs never overflow).
  public var elementCount: Int { shape.elementCount ?? Int.max }

  /// The size in bytes when floating-point elements take `floatBytes` bytes.
  public func byteCount(floatBytes: Int) -> Double {
    shape.elementCountAsDouble * Double(dtype.isFloatingPoint ? floatBytes : dtype.byteCount)
  }
}
