import TensorOptGraph

@testable import TensorOptCost

/// Hardware and graphs shared by the cost tests.
enum Fixtures {
  /// Intra-node link of the synthetic cluster: 100 GB/s, 2 µs.
  static let fast = LinkSpec(bandwidth: 100e9, latency: 2e-6)
  /// Inter-node link: 10 GB/s, 10 µs.
  static let slow = LinkSpec(bandwidth: 10e9, latency: 10e-6)

  /// A synthetic cluster: `devices` devices, 8 per node, 100 TFLOP/s, 1 TB/s.
  static func cluster(devices: Int = 32, memory: Double = 80e9) -> Cluster {
    Cluster(
      name: "test", deviceCount: devices, devicesPerNode: 8,
      device: DeviceSpec(
        name: "test device", memoryBytes: memory, peakFLOPs: [.fp32: 100e12], memoryBandwidth: 1e12,
        efficiency: KernelEfficiency(maxEfficiency: 1, halfDimension: 0, overhead: 0)),
      intraNode: fast, interNode: slow)
  }

  /// A graph with one linear layer `[batch, in] → [batch, out]` (bias included).
  static func linear(batch: Int, inputs: Int, outputs: Int) throws -> Graph {
    var builder = GraphBuilder()
    let x = try builder.input(
      "x", shape: [Dimension("batch", batch), Dimension("hidden", inputs)], dtype: .fp32)
    let y = try builder.add(
      "proj", Operator(.linear), inputs: [x], output: "y",
      shape: [Dimension("batch", batch), Dimension("ffn", outputs)])
    return builder.build(outputs: [y])
  }
}
