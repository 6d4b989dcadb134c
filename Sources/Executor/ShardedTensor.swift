import TensorOptGraph

/// A tensor as one device holds it: its local block, the layout that says which
/// block that is (and whether it holds partial sums), and the whole tensor's shape.
public struct ShardedTensor: @unchecked Sendable {
  // @unchecked: see DeviceTensor — confined to its worker thread.

  /// This device's block.
  public var local: DeviceTensor
  /// How the whole tensor is distributed.
  public var layout: TensorLayout
  /// The whole tensor's extents.
  public var globalShape: [Int]

  /// Creates a sharded tensor.
  public init(local: DeviceTensor, layout: TensorLayout, globalShape: [Int]) {
    self.local = local
    self.layout = layout
    self.globalShape = globalShape
  }
}
