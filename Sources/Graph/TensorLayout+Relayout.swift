/// A collective (or local) operation that changes a tensor's layout along one mesh axis.
public enum RelayoutKind: String, Hashable, Sendable, Codable {
  /// Sum partial values and leave the sum on every device of the group.
  case allReduce = "all-reduce"
  /// Sum partial values, each device keeping one slice of the sum.
  case reduceScatter = "reduce-scatter"
  /// Concatenate every device's slice on every device.
  case allGather = "all-gather"
  /// Trade a split along one tensor axis for a split along another.
  case allToAll = "all-to-all"
  /// Keep one's own slice of a replicated tensor (no communication).
  case slice
}

/// One step of a re-layout: a collective along one mesh axis.
public struct RelayoutStep: Hashable, Sendable {
  /// What is done.
  public var kind: RelayoutKind
  /// The mesh axis whose groups take part.
  public var meshAxis: Int
  /// The bytes of the larger of one device's buffers before and after the step
  /// (the `n` of the usual collective cost formulas).
  public var bytes: Double

  /// Creates a step.
  public init(kind: RelayoutKind, meshAxis: Int, bytes: Double) {
    self.kind = kind
    self.meshAxis = meshAxis
    self.bytes = bytes
  }
}

extension TensorLayout {
  /// The steps that turn a tensor of `totalBytes` from this layout into `target`.
  ///
  /// `target` must hold no partial sums (consumers need whole values). Steps are
  /// ordered to keep buffers small: free slices first, then reductions of partial
  /// sums, then all-to-alls, then all-gathers.
  public func relayout(to target: TensorLayout, totalBytes: Double, mesh: DeviceMesh)
    -> [RelayoutStep]
  {
    assert(!target.isPartial.contains(true), "a re-layout target holds no partial sums")
    var current = self
    var steps: [RelayoutStep] = []
    func local() -> Double { current.localBytes(totalBytes, mesh: mesh) }
    let axes = Array(mesh.shape.indices)
    for axis in axes where current.splitAxis[axis] == nil && !current.isPartial[axis] {
      if let wanted = target.splitAxis[axis] {
        current.splitAxis[axis] = wanted
        steps.append(RelayoutStep(kind: .slice, meshAxis: axis, bytes: local()))
      }
    }
    for axis in axes where current.isPartial[axis] {
      let before = local()
      current.isPartial[axis] = false
      if let wanted = target.splitAxis[axis] {
        current.splitAxis[axis] = wanted
        steps.append(RelayoutStep(kind: .reduceScatter, meshAxis: axis, bytes: before))
      } else {
        steps.append(RelayoutStep(kind: .allReduce, meshAxis: axis, bytes: before))
      }
    }
    for axis in axes {
      if let have = current.splitAxis[axis], let wanted = target.splitAxis[axis], have != wanted {
        current.splitAxis[axis] = wanted
        steps.append(RelayoutStep(kind: .allToAll, meshAxis: axis, bytes: local()))
      }
    }
    for axis in axes where current.splitAxis[axis] != nil && target.splitAxis[axis] == nil {
      current.splitAxis[axis] = nil
      steps.append(RelayoutStep(kind: .allGather, meshAxis: axis, bytes: local()))
    }
    assert(current == target)
    return steps
  }
}

extension TensorLayout {
  /// The steps of ``relayout(to:totalBytes:mesh:)`` as a device carries them out.
  ///
  /// A step along mesh axis `a` exchanges data within `a`'s group only when no
  /// higher mesh axis `b > a` splits a tensor axis the step touches (the one it
  /// slices, scatters or gathers; both of an all-to-all): a higher axis's split
  /// is nested inside `a`'s (lower axes are outer), so the pieces `a`'s group
  /// holds are not the pieces the step needs. Such a step is preceded by
  /// all-gathers along those higher axes (innermost first) and followed by local
  /// slices along them again (outermost first). Each step's `bytes` follows
  /// ``RelayoutStep/bytes``, on the layout at that point.
  public func expandedRelayout(to target: TensorLayout, totalBytes: Double, mesh: DeviceMesh)
    -> [RelayoutStep]
  {
    var current = self
    var steps: [RelayoutStep] = []
    func apply(_ kind: RelayoutKind, _ axis: Int, _ change: (inout TensorLayout) -> Void) {
      let before = current.localBytes(totalBytes, mesh: mesh)
      change(&current)
      let after = current.localBytes(totalBytes, mesh: mesh)
      let reduces = kind == .allReduce || kind == .reduceScatter
      steps.append(RelayoutStep(kind: kind, meshAxis: axis, bytes: reduces ? before : after))
    }
    for step in relayout(to: target, totalBytes: totalBytes, mesh: mesh) {
      let a = step.meshAxis
      let touched: [Int?] =
        switch step.kind {
        case .slice, .reduceScatter: [target.splitAxis[a]]
        case .allGather: [current.splitAxis[a]]
        case .allToAll: [current.splitAxis[a], target.splitAxis[a]]
        case .allReduce: []
        }
      let inner = (a + 1..<mesh.shape.count).compactMap { b -> (Int, Int)? in
        guard let t = current.splitAxis[b], touched.contains(t) else { return nil }
        return (b, t)
      }
      for (b, _) in inner.reversed() { apply(.allGather, b) { $0.splitAxis[b] = nil } }
      apply(step.kind, a) { layout in
        switch step.kind {
        case .slice, .allToAll: layout.splitAxis[a] = target.splitAxis[a]
        case .reduceScatter:
          layout.isPartial[a] = false
          layout.splitAxis[a] = target.splitAxis[a]
        case .allReduce: layout.isPartial[a] = false
        case .allGather: layout.splitAxis[a] = nil
        }
      }
      for (b, t) in inner { apply(.slice, b) { $0.splitAxis[b] = t } }
    }
    assert(current == target)
    return steps
  }
}
