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
    // Groups are almost always listed in ascending order: count runs of equal
    // nodes without hashing (the cost model builds groups in its inner loops).
    var nodes = 0
    var largest = 0
    var run = 0
    var previous: Int? = nil
    var ascending = true
    for device in devices {
      let node = cluster.node(of: device)
      if let previous, node < previous { ascending = false }
      if node == previous {
        run += 1
      } else {
        nodes += 1
        run = 1
      }
      largest = max(largest, run)
      previous = node
    }
    if !ascending {
      var counts: [Int: Int] = [:]
      for device in devices { counts[cluster.node(of: device), default: 0] += 1 }
      nodes = counts.count
      largest = counts.values.max() ?? 1
    }
    nodeCount = max(nodes, 1)
    membersPerNode = max(largest, 1)
  }

  /// The number of members.
  public var size: Int { devices.count }

  /// Whether the group crosses a node boundary.
  public var spansNodes: Bool { nodeCount > 1 }
}
