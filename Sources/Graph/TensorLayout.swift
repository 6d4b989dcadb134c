/// Where the pieces of a tensor live on a ``DeviceMesh``.
///
/// Along each mesh axis a tensor is split along one of its own axes, held as
/// partial sums (to be added across the axis), or replicated.
public struct TensorLayout: Hashable, Sendable, CustomStringConvertible {
  /// For each mesh axis: the tensor axis it splits, or `nil`.
  public var splitAxis: [Int?]
  /// For each mesh axis: whether the tensor holds partial sums along it.
  public var isPartial: [Bool]

  /// Creates a layout.
  public init(splitAxis: [Int?], isPartial: [Bool]) {
    assert(splitAxis.count == isPartial.count)
    assert(
      zip(splitAxis, isPartial).allSatisfy { $0.0 == nil || !$0.1 },
      "a mesh axis is split or partial, not both")
    self.splitAxis = splitAxis
    self.isPartial = isPartial
  }

  /// The replicated layout on a mesh of `axes` axes.
  public static func replicated(meshAxes axes: Int) -> Self {
    // Literals for the usual meshes: `Array(repeating:count:)` of these
    // element types looks its storage type up at run time (a hashed metadata
    // lookup) on every call, and the cost model calls this in its inner loops.
    switch axes {
    case 1: Self(splitAxis: [nil], isPartial: [false])
    case 2: Self(splitAxis: [nil, nil], isPartial: [false, false])
    default:
      Self(
        splitAxis: Array(repeating: nil, count: axes),
        isPartial: Array(repeating: false, count: axes))
    }
  }

  /// The same layout with partial sums resolved (what a gradient must look like
  /// when an operator consumes it).
  public var withoutPartials: Self {
    Self(splitAxis: splitAxis, isPartial: splitAxis.map { _ in false })
  }

  /// The bytes one device holds of a tensor of `totalBytes`.
  public func localBytes(_ totalBytes: Double, mesh: DeviceMesh) -> Double {
    totalBytes / Double(splitFactor(mesh: mesh))
  }

  /// Into how many pieces the tensor is split.
  public func splitFactor(mesh: DeviceMesh) -> Int {
    zip(splitAxis, mesh.shape).reduce(1) { $0 * ($1.0 == nil ? 1 : $1.1) }
  }

  /// The shape one device holds.
  public func localShape(_ shape: Shape, mesh: DeviceMesh) -> Shape {
    var local = shape
    for (axis, tensorAxis) in splitAxis.enumerated() {
      if let tensorAxis, local.indices.contains(tensorAxis) {
        local[tensorAxis].size /= mesh.shape[axis]
      }
    }
    return local
  }

  public var description: String {
    zip(splitAxis, isPartial).map { split, partial in
      if let split { return "S\(split)" }
      return partial ? "P" : "R"
    }.joined(separator: ",")
  }
}
