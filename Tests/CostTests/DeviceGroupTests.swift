import Testing

@testable import TensorOptCost

@Suite("Device groups")
struct DeviceGroupTests {
  @Test("node count and members per node match a count by node, sorted or not")
  func nodeStatisticsMatchACountByNode() {
    let cluster = Fixtures.cluster(devices: 64)  // 8 devices per node
    var random = SeededGenerator(seed: 42)
    func next(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &random) }
    for trial in 0..<500 {
      var devices = Set<Int>()
      for _ in 0..<(1 + next(20)) { devices.insert(next(64)) }
      var members = devices.sorted()
      if trial.isMultiple(of: 2) { members.shuffle(using: &random) }
      var perNode: [Int: Int] = [:]
      for device in members { perNode[device / 8, default: 0] += 1 }
      let group = cluster.group(members)
      #expect(group.nodeCount == perNode.count, "\(members)")
      #expect(group.membersPerNode == perNode.values.max(), "\(members)")
    }
  }
}

/// A SplitMix64 generator for reproducible shuffles.
struct SeededGenerator: RandomNumberGenerator {
  var seed: UInt64
  mutating func next() -> UInt64 {
    seed &+= 0x9E37_79B9_7F4A_7C15
    var z = seed
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
