import TensorOptGraph
import Testing

@testable import TensorOptCost

/// A re-layout whose split is nested inside a higher mesh axis's pays the
/// gathers and slices around the step, as a device carries it out.
@Suite("Pricing of nested re-layouts")
struct NestedRelayoutPricingTests {
  /// Ring links of the fixtures; 10 GB/s memory for the local slices.
  static func slowMemoryCluster() -> Cluster {
    Cluster(
      name: "memory-bound", deviceCount: 8, devicesPerNode: 8,
      device: DeviceSpec(
        name: "slow memory", memoryBytes: 80e9, peakFLOPs: [.fp32: 1e15], memoryBandwidth: 10e9,
        efficiency: KernelEfficiency(maxEfficiency: 1, halfDimension: 0, overhead: 3e-6)),
      intraNode: Fixtures.fast, interNode: Fixtures.slow)
  }

  @Test func aNestedAllGatherPaysTheInnerGatherAndSliceToo() {
    // [16, 64] fp32, split along tensor axis 1 by both axes of a [2, 4] mesh, to
    // split by mesh axis 1 only: gather axis 1 (g = 4) to n/2, gather axis 0 (g = 2)
    // to n, slice axis 1 to n/4.
    let cluster = Self.slowMemoryCluster()
    let mesh = DeviceMesh([2, 4])
    let model = AnalyticalStageCost(mesh: mesh, cluster: cluster)
    let tensor = Tensor(
      name: "h", shape: [Dimension("batch", 16), Dimension("hidden", 64)], dtype: .fp32)
    let n = 16.0 * 64 * 4
    let nested = TensorLayout(splitAxis: [1, 1], isPartial: [false, false])
    let inner = TensorLayout(splitAxis: [nil, 1], isPartial: [false, false])
    let (B, alpha) = (Fixtures.fast.bandwidth, Fixtures.fast.latency)
    let gather4 = 3.0 / 4 * (n / 2) / B + 3 * alpha
    let gather2 = 1.0 / 2 * n / B + alpha
    let slice = (n / 4) / 10e9
    let forward = gather4 + gather2 + slice
    let time = model.relayoutTime(
      of: tensor, from: nested, to: inner, gradientFrom: inner, gradientTo: inner)
    #expect(abs(time - forward) < 1e-15)
  }
}
