/// How one operator is partitioned over a ``DeviceMesh``: for each mesh axis, the
/// name of the ``ParallelDimension`` it splits, or `nil` to replicate the
/// operator's work along that axis.
///
/// Two axes may split the same dimension (a 2-D split of the batch, say).
public struct OpConfiguration: Hashable, Sendable, Codable, CustomStringConvertible {
  /// One entry per mesh axis.
  public var assignments: [String?]

  /// Creates a configuration.
  public init(_ assignments: [String?]) { self.assignments = assignments }

  /// The configuration replicating the operator on every axis of `mesh`.
  public static func replicated(on mesh: DeviceMesh) -> Self {
    // A literal for the usual 2-D mesh (see `TensorLayout.replicated(meshAxes:)`).
    mesh.shape.count == 2 ? Self([nil, nil]) : Self(Array(repeating: nil, count: mesh.shape.count))
  }

  public var description: String {
    assignments.map { $0 ?? "rep" }.joined(separator: ",")
  }

  /// Every valid configuration of an operator with the given partitionable
  /// dimensions on `mesh`, replication first, in a fixed order.
  ///
  /// A dimension may take several axes when its size is divisible by the
  /// product of their extents.
  public static func all(for dimensions: [ParallelDimension], on mesh: DeviceMesh) -> [Self] {
    let choices: [String?] = [nil] + dimensions.map(\.name)
    var result: [[String?]] = [[]]
    for _ in mesh.shape {
      result = result.flatMap { prefix in choices.map { prefix + [$0] } }
    }
    return result.map(Self.init).filter { $0.isValid(for: dimensions, on: mesh) }
  }

  /// Whether every split divides its dimension.
  public func isValid(for dimensions: [ParallelDimension], on mesh: DeviceMesh) -> Bool {
    guard assignments.count == mesh.shape.count else { return false }
    // Each name once, at its first axis, with the product of all its axes'
    // extents (no dictionary: the cost model asks in its inner loops).
    for (axis, name) in assignments.enumerated() {
      guard let name, !assignments[..<axis].contains(name) else { continue }
      var split = 1
      for later in axis..<assignments.count where assignments[later] == name {
        split *= mesh.shape[later]
      }
      guard let dimension = dimensions.first(where: { $0.name == name }),
        dimension.size % split == 0
      else {
        return false
      }
    }
    return true
  }

  /// The product of the extents of the axes that split some dimension: how many
  /// ways the operator's work is divided.
  public func workDivisor(on mesh: DeviceMesh) -> Int {
    zip(assignments, mesh.shape).reduce(1) { $0 * ($1.0 == nil ? 1 : $1.1) }
  }
}
