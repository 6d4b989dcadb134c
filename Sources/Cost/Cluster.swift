/// The hardware a job runs on: identical devices grouped in nodes, a link
/// between the devices of a node and a link between nodes.
///
/// Devices are numbered `0..<deviceCount`; device `d` sits in node
/// `d / devicesPerNode`.
public struct Cluster: Hashable, Sendable {
  /// A display name, e.g. `"h100-80g x 64"`.
  public var name: String
  /// The number of devices.
  public var deviceCount: Int
  /// Devices per node.
  public var devicesPerNode: Int
  /// Every device's description.
  public var device: DeviceSpec
  /// The link between devices of one node (per device), e.g. NVLink.
  public var intraNode: LinkSpec
  /// The link between nodes (per device), e.g. one InfiniBand NIC per GPU.
  public var interNode: LinkSpec
  /// Where the figures come from.
  public var source: String

  /// Creates a cluster.
  public init(
    name: String, deviceCount: Int, devicesPerNode: Int, device: DeviceSpec, intraNode: LinkSpec,
    interNode: LinkSpec, source: String = ""
  ) {
    self.name = name
    self.deviceCount = deviceCount
    self.devicesPerNode = devicesPerNode
    self.device = device
    self.intraNode = intraNode
    self.interNode = interNode
    self.source = source
  }

  /// The node device `device` sits in.
  public func node(of device: Int) -> Int { device / max(devicesPerNode, 1) }

  /// The same cluster with `count` devices.
  public func withDeviceCount(_ count: Int) -> Cluster {
    var copy = self
    copy.deviceCount = count
    return copy
  }
}
