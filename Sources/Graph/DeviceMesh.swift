/// The devices of one pipeline stage arranged as a 1-D or 2-D grid.
///
/// Devices are numbered row-major: on a `[2, 4]` mesh, axis 1 groups consecutive
/// devices `{0,1,2,3}`, axis 0 groups devices four apart `{0,4}`. Placing the
/// most communication-heavy axis last keeps its groups inside a node.
public struct DeviceMesh: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The extent of each axis, outermost first.
  public var shape: [Int]

  /// Creates a mesh; every extent must be positive.
  public init(_ shape: [Int]) {
    assert(shape.allSatisfy { $0 > 0 }, "mesh extents must be positive")
    self.shape = shape
  }

  /// The number of devices.
  public var deviceCount: Int { shape.reduce(1, *) }

  /// The distance in device numbers between neighbours along `axis`.
  public func stride(ofAxis axis: Int) -> Int { shape[(axis + 1)...].reduce(1, *) }

  /// The coordinates of `device` on the mesh.
  public func coordinates(of device: Int) -> [Int] {
    var rest = device
    var result = Array(repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() {
      result[axis] = rest % shape[axis]
      rest /= shape[axis]
    }
    return result
  }

  /// The devices that share all coordinates with `device` except along `axis`,
  /// in order of that coordinate: the communication group of `device` on `axis`.
  public func group(of device: Int, alongAxis axis: Int) -> [Int] {
    let stride = stride(ofAxis: axis)
    let base = device - coordinates(of: device)[axis] * stride
    return (0..<shape[axis]).map { base + $0 * stride }
  }

  /// Every 1-D and 2-D mesh shape of `devices` devices (`[n]`, then `[a, b]` with
  /// `a·b = n`, `a, b > 1`), in a fixed order.
  public static func shapes(deviceCount devices: Int) -> [DeviceMesh] {
    guard devices > 0 else { return [] }
    var result = [DeviceMesh([devices])]
    if devices > 1 {
      for a in 2..<devices where devices % a == 0 {
        result.append(DeviceMesh([a, devices / a]))
      }
    }
    return result
  }

  public var description: String { shape.map(String.init).joined(separator: "x") }
}
