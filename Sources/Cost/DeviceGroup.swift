/// The devices taking part in one collective, and how they sit in nodes.
public struct DeviceGroup: Hashable, Sendable {
  /// The member devices (global numbers).
  public var devices: [Int]
  /// How many distinct nodes the members occupy.
  public var nodeCount: Int
  /// The largest number of members in one node.
  public var membersPerNode: Int

  /// The group of `devices` on `cluster`.
  public init(devices: [Int], on cluster: Cluster) {
    self.devices = devices
    var counts: [Int: Int] = [:]
    for device in devices { counts[cluster.node(of: device), default: 0] += 1 }
    nodeCount = max(counts.count, 1)
    membersPerNode = counts.values.max() ?? 1
  }

  /// The number of members.
  public var size: Int { devices.count }

  /// Whether the group crosses a node boundary.
  public var spansNodes: Bool { nodeCount > 1 }
}
