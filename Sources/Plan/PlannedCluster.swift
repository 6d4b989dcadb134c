import TensorOptCost

/// The hardware of a plan: the preset it came from (when one did) and the full
/// cluster description, so that a reader needs neither the preset table nor the
/// user's cluster file.
public struct PlannedCluster: Codable, Hashable, Sendable {
  /// The cluster's display name, e.g. `"h100-80g x 8"`.
  public var name: String
  /// The `--gpu` preset (`"h100-80g"`), or `nil` for a `--cluster` file.
  public var preset: String?
  /// The `--cluster` file path, or `nil`.
  public var file: String?
  /// Devices per node.
  public var devicesPerNode: Int
  /// Whether the cluster was the default (no `--gpu` or `--cluster` given).
  public var defaulted: Bool
  /// The complete description (a `tensoropt-cluster/1` object) at the largest
  /// device count searched; rebuild with `Cluster(description, file:)` and
  /// `withDeviceCount(_:)` for each result.
  public var description: ClusterFile

  /// Describes `cluster`.
  public init(cluster: Cluster, preset: String?, file: String? = nil, defaulted: Bool = false) {
    self.name = cluster.name
    self.preset = preset
    self.file = file
    self.devicesPerNode = cluster.devicesPerNode
    self.defaulted = defaulted
    self.description = cluster.file
  }

  /// The cluster this describes, with `devices` devices.
  ///
  /// - Throws: ``PlanFileError`` when the description is invalid.
  public func cluster(devices: Int) throws(PlanFileError) -> Cluster {
    do {
      return try Cluster(description, file: "plan").withDeviceCount(devices)
    } catch {
      throw PlanFileError("cluster description: \(error.description)")
    }
  }
}
