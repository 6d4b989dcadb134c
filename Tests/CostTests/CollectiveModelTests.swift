import TensorOptGraph
import Testing

@testable import TensorOptCost

@Suite("Collectives follow the ring alpha-beta closed forms")
struct CollectiveModelTests {
  let cluster = Fixtures.cluster()
  let n = 1e9

  func inNode(_ g: Int) -> DeviceGroup { cluster.group(Array(0..<g)) }

  @Test func ringAllReduceInsideANodeCostsTwoPassesOfTheVector() {
    let g = 8.0
    let expected = 2 * (g - 1) / g * n / 100e9 + 2 * (g - 1) * 2e-6
    #expect(abs(cluster.collectiveTime(.allReduce, bytes: n, group: inNode(8)) - expected) < 1e-12)
  }

  @Test func allGatherReduceScatterAndAllToAllCostOnePass() {
    let g = 4.0
    let expected = (g - 1) / g * n / 100e9 + (g - 1) * 2e-6
    for kind in [CollectiveKind.allGather, .reduceScatter, .allToAll] {
      #expect(abs(cluster.collectiveTime(kind, bytes: n, group: inNode(4)) - expected) < 1e-12)
    }
  }

  @Test func broadcastAndSendReceiveMoveTheBufferOnce() {
    #expect(
      abs(cluster.collectiveTime(.broadcast, bytes: n, group: inNode(4)) - (n / 100e9 + 3 * 2e-6))
        < 1e-12)
    #expect(
      abs(cluster.collectiveTime(.sendReceive, bytes: n, group: inNode(2)) - (n / 100e9 + 2e-6))
        < 1e-12)
    let acrossNodes = cluster.group([0, 8])
    #expect(
      abs(cluster.collectiveTime(.sendReceive, bytes: n, group: acrossNodes) - (n / 10e9 + 10e-6))
        < 1e-12)
  }

  @Test func aGroupOfOneOrAnEmptyBufferCostsNothing() {
    #expect(cluster.collectiveTime(.allReduce, bytes: n, group: inNode(1)) == 0)
    #expect(cluster.collectiveTime(.allReduce, bytes: 0, group: inNode(8)) == 0)
  }

  @Test func everyCallPaysTheLinksOverheadOnce() {
    var threads = cluster
    threads.intraNode.overhead = 3e-6
    let g = 4.0
    let ring = (g - 1) / g * n / 100e9 + (g - 1) * 2e-6
    #expect(
      abs(threads.collectiveTime(.allGather, bytes: n, group: inNode(4)) - (3e-6 + ring)) < 1e-12)
    #expect(
      abs(
        threads.collectiveTime(.sendReceive, bytes: n, group: inNode(2)) - (3e-6 + n / 100e9 + 2e-6)
      )
        < 1e-12)
    // Nothing to do costs nothing, overhead included.
    #expect(threads.collectiveTime(.allReduce, bytes: n, group: inNode(1)) == 0)
    #expect(threads.collectiveTime(.allReduce, bytes: 0, group: inNode(8)) == 0)
  }

  @Test func collectivesWithASeparateOutputCopyTheOwnChunkWhenTheLinkSaysSo() {
    var threads = cluster
    threads.intraNode.localCopyBandwidth = 20e9
    let g = 4.0
    let ring = (g - 1) / g * n / 100e9 + (g - 1) * 2e-6
    for kind in [CollectiveKind.allGather, .reduceScatter, .allToAll] {
      #expect(
        abs(threads.collectiveTime(kind, bytes: n, group: inNode(4)) - (n / g / 20e9 + ring))
          < 1e-12)
    }
    // In place: the all-reduce and the broadcast copy nothing of their own.
    let allReduce = 2 * (g - 1) / g * n / 100e9 + 2 * (g - 1) * 2e-6
    #expect(abs(threads.collectiveTime(.allReduce, bytes: n, group: inNode(4)) - allReduce) < 1e-12)
    #expect(
      threads.collectiveTime(.broadcast, bytes: n, group: inNode(4))
        == cluster.collectiveTime(.broadcast, bytes: n, group: inNode(4)))
  }

  @Test func allReduceAcrossNodesUsesTheHierarchicalAlgorithmWhenItIsFaster() {
    let group = cluster.group(Array(0..<16))
    #expect(group.nodeCount == 2 && group.membersPerNode == 8)
    let flat = 2 * 15.0 / 16 * n / 10e9 + 2 * 15 * 10e-6
    let hierarchical =
      (2 * 7.0 / 8 * n / 100e9 + 2 * 7 * 2e-6) + (2 * 1.0 / 2 * (n / 8) / 10e9 + 2 * 1 * 10e-6)
    #expect(hierarchical < flat)
    #expect(abs(cluster.collectiveTime(.allReduce, bytes: n, group: group) - hierarchical) < 1e-12)
  }

  @Test func smallAllReducesAcrossManyNodesTakeTheTree() {
    let wide = Fixtures.cluster(devices: 512)
    let group = wide.group(stride(from: 0, to: 512, by: 8).map { $0 })  // 64 nodes, one member each
    let bytes = 1e5
    let ring = 2 * 63.0 / 64 * bytes / 10e9 + 2 * 63 * 10e-6
    let tree = 2 * 6 * 10e-6 + 2 * bytes / 10e9
    #expect(tree < ring)
    #expect(abs(wide.collectiveTime(.allReduce, bytes: bytes, group: group) - tree) < 1e-12)
  }

  @Test func aGroupWithOneMemberPerNodeRunsTheFlatRingOnTheInterNodeLink() {
    let group = cluster.group([0, 8, 16, 24])
    let expected = 2 * 3.0 / 4 * n / 10e9 + 2 * 3 * 10e-6
    #expect(abs(cluster.collectiveTime(.allReduce, bytes: n, group: group) - expected) < 1e-12)
  }

  @Test func tensorParallelGroupOfEightStaysOnNVLinkAndSixteenSpansInfiniBand() {
    let h100 = ClusterPreset.h100.cluster(devices: 16, devicesPerNode: 8)
    let eight = AnalyticalStageCost(mesh: DeviceMesh([2, 8]), cluster: h100).group(alongAxes: [1])
    #expect(eight.devices == Array(0..<8))
    #expect(!eight.spansNodes)
    #expect(h100.link(for: eight) == h100.intraNode)
    let sixteen = AnalyticalStageCost(mesh: DeviceMesh([1, 16]), cluster: h100).group(alongAxes: [1]
    )
    #expect(sixteen.spansNodes)
    #expect(h100.link(for: sixteen) == h100.interNode)
    // The data-parallel axis of a [2, 8] mesh pairs devices 0 and 8: across nodes.
    let data = AnalyticalStageCost(mesh: DeviceMesh([2, 8]), cluster: h100).group(alongAxes: [0])
    #expect(data.devices == [0, 8] && data.spansNodes)
  }

  @Test func relayoutStepsArePricedAsTheirCollectives() {
    let model = AnalyticalStageCost(mesh: DeviceMesh([1, 4]), cluster: cluster)
    let steps = [
      RelayoutStep(kind: .allReduce, meshAxis: 1, bytes: n),
      RelayoutStep(kind: .allGather, meshAxis: 1, bytes: n),
    ]
    let expected = (2 * 3.0 / 4 * n / 100e9 + 6 * 2e-6) + (3.0 / 4 * n / 100e9 + 3 * 2e-6)
    #expect(abs(model.stepsTime(steps) - expected) < 1e-12)
  }
}

@Suite("Hierarchical gathers across nodes")
struct HierarchicalCollectiveTests {
  @Test func allGatherAcrossTwoNodesGathersInterNodeThenIntraNode() {
    let cluster = Fixtures.cluster()
    let n = 1e9
    let group = cluster.group(Array(0..<16))
    let hierarchical = (7.0 / 8 * n / 100e9 + 7 * 2e-6) + (1.0 / 2 * (n / 8) / 10e9 + 1 * 10e-6)
    let flat = 15.0 / 16 * n / 10e9 + 15 * 10e-6
    let expected = min(hierarchical, flat)
    #expect(abs(cluster.collectiveTime(.allGather, bytes: n, group: group) - expected) < 1e-12)
    #expect(abs(cluster.collectiveTime(.reduceScatter, bytes: n, group: group) - expected) < 1e-12)
  }
}
