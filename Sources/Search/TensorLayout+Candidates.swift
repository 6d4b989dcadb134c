import TensorOptGraph

extension TensorLayout {
  /// Every layout without partial sums that a tensor of `shape` may take on
  /// `mesh`: per mesh axis, replication or a split of one tensor axis, where
  /// every split divides its axis. Replication first, in a fixed order.
  ///
  /// These are the "configurations" of a block-boundary tensor (see
  /// `docs/search.md`).
  public static func candidates(for shape: Shape, on mesh: DeviceMesh) -> [TensorLayout] {
    var result: [[Int?]] = [[]]
    for _ in mesh.shape {
      result = result.flatMap { prefix in
        ([nil] + shape.indices.map { Optional($0) }).map { prefix + [$0] }
      }
    }
    return result.compactMap { splits in
      var factor = Array(repeating: 1, count: shape.count)
      for (meshAxis, tensorAxis) in splits.enumerated() {
        if let tensorAxis { factor[tensorAxis] *= mesh.shape[meshAxis] }
      }
      guard shape.indices.allSatisfy({ shape[$0].size % factor[$0] == 0 }) else { return nil }
      return TensorLayout(splitAxis: splits, isPartial: splits.map { _ in false })
    }
  }
}
