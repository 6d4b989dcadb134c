import Foundation
import Testing

@testable import TensorOptCost

@Suite("Cluster files and presets")
struct ClusterFileTests {
  let example = """
    {
      "format": "tensoropt-cluster/1",
      "name": "two DGX",
      "devices": 16,
      "devices_per_node": 8,
      "device": {
        "name": "A100",
        "memory_bytes": 85899345920,
        "peak_flops": {"fp32": 19.5e12, "bf16": 312e12},
        "memory_bandwidth": 1.8e12,
        "efficiency": {"max_efficiency": 0.8, "half_dimension": 16, "overhead": 5e-6}
      },
      "intra_node": {"bandwidth": 240e9, "latency": 3e-6},
      "inter_node": {"bandwidth": 20e9, "latency": 8e-6}
    }
    """

  @Test func aCompleteFileLoads() throws {
    let cluster = try Cluster.decode(Data(example.utf8), file: "c.json")
    #expect(cluster.deviceCount == 16 && cluster.devicesPerNode == 8)
    #expect(cluster.device.peak(.bf16) == 312e12)
    #expect(cluster.device.peak(.tf32) == 19.5e12)  // missing precisions fall back to fp32
    #expect(cluster.interNode == LinkSpec(bandwidth: 20e9, latency: 8e-6))
  }

  @Test func vectorThroughputIsOptionalAndDrivesElementwiseKernels() throws {
    let withVector = example.replacingOccurrences(
      of: "\"memory_bandwidth\": 1.8e12,",
      with: "\"memory_bandwidth\": 1.8e12, \"vector_flops\": 1e12,")
    let cluster = try Cluster.decode(Data(withVector.utf8), file: "v.json")
    #expect(cluster.device.vectorFLOPs == 1e12)
    #expect(abs(cluster.device.elementwiseSeconds(flops: 1e12, bytes: 0) - (1 + 5e-6)) < 1e-12)
    let plain = try Cluster.decode(Data(example.utf8), file: "c.json")
    #expect(plain.device.vectorFLOPs == nil)
    #expect(abs(plain.device.elementwiseSeconds(flops: 19.5e12, bytes: 0) - (1 + 5e-6)) < 1e-12)
  }

  @Test func encodingThenDecodingGivesTheSameCluster() throws {
    let cluster = ClusterPreset.h100.cluster(devices: 16)
    let again = try Cluster.decode(try cluster.encodedJSON(), file: "round-trip")
    #expect(again.device.peakFLOPs == cluster.device.peakFLOPs)
    #expect(again.device.kernelTable?.measurements.count == H100GEMMTable.measurements.count)
    #expect(again.intraNode == cluster.intraNode && again.deviceCount == 16)
  }

  @Test func aLinkMayCarryAFixedCostPerCall() throws {
    let withOverhead = example.replacingOccurrences(
      of: "\"latency\": 3e-6}", with: "\"latency\": 3e-6, \"overhead\": 2e-6}")
    let cluster = try Cluster.decode(Data(withOverhead.utf8), file: "o.json")
    #expect(cluster.intraNode == LinkSpec(bandwidth: 240e9, latency: 3e-6, overhead: 2e-6))
    #expect(cluster.interNode.overhead == 0)
    let again = try Cluster.decode(try cluster.encodedJSON(), file: "round-trip")
    #expect(again.intraNode == cluster.intraNode && again.interNode == cluster.interNode)
    // A zero overhead is left out of the file, as files written before it have it.
    let text = String(decoding: try cluster.encodedJSON(), as: UTF8.self)
    #expect(text.components(separatedBy: "\"overhead\" : 2e-06").count == 2)
    #expect(
      !String(decoding: try again.withIntraNodeOverhead(0).encodedJSON(), as: UTF8.self)
        .contains("\"overhead\" : 0"))
    let negative = try #require(
      error(replacing: "\"latency\": 3e-6}", with: "\"latency\": 3e-6, \"overhead\": -1}"))
    #expect(negative.field == "intra_node.overhead")
  }

  @Test func aLinkMayCopyTheOwnChunkSerially() throws {
    let withCopy = example.replacingOccurrences(
      of: "\"latency\": 3e-6}", with: "\"latency\": 3e-6, \"local_copy_bandwidth\": 13e9}")
    let cluster = try Cluster.decode(Data(withCopy.utf8), file: "l.json")
    #expect(cluster.intraNode.localCopyBandwidth == 13e9)
    #expect(cluster.interNode.localCopyBandwidth == nil)
    let again = try Cluster.decode(try cluster.encodedJSON(), file: "round-trip")
    #expect(again.intraNode == cluster.intraNode)
    let zero = try #require(
      error(
        replacing: "\"latency\": 3e-6}", with: "\"latency\": 3e-6, \"local_copy_bandwidth\": 0}"))
    #expect(zero.field == "intra_node.local_copy_bandwidth")
  }

  func error(replacing old: String, with new: String) -> ClusterFileError? {
    do {
      _ = try Cluster.decode(
        Data(example.replacingOccurrences(of: old, with: new).utf8), file: "bad.json")
      return nil
    } catch {
      return error
    }
  }

  @Test func badFilesNameTheFileAndTheField() throws {
    let missing = try #require(error(replacing: "\"devices_per_node\": 8,", with: ""))
    #expect(missing.description == "bad.json: field 'devices_per_node': is missing")
    let negative = try #require(error(replacing: "\"bandwidth\": 20e9", with: "\"bandwidth\": -1"))
    #expect(negative.field == "inter_node.bandwidth")
    let format = try #require(error(replacing: "tensoropt-cluster/1", with: "tensoropt-cluster/9"))
    #expect(format.field == "format")
    let precision = try #require(error(replacing: "\"bf16\": 312e12", with: "\"fp8\": 1e15"))
    #expect(precision.field == "device.peak_flops.fp8")
    let type = try #require(error(replacing: "\"devices\": 16", with: "\"devices\": \"many\""))
    #expect(type.field == "devices")
    let json = try #require(error(replacing: "{", with: "["))
    #expect(json.file == "bad.json" && !json.description.contains("\n"))
  }

  @Test func presetsCarryDatasheetFigures() {
    let h100 = ClusterPreset.h100.cluster(devices: 64)
    #expect(h100.device.peak(.bf16) == 989.4e12)
    #expect(h100.device.kernelTable != nil)
    #expect(h100.devicesPerNode == 8)
    let a100 = ClusterPreset.a100With80GB.cluster(devices: 8, devicesPerNode: 4)
    #expect(a100.device.peak(.bf16) == 312e12 && a100.devicesPerNode == 4)
    #expect(a100.interNode.bandwidth == 25e9 * ClusterPreset.linkEfficiency)
    #expect(ClusterPreset.v100.cluster(devices: 8).device.peak(.fp16) == 125e12)
    let a100With40GB = ClusterPreset.a100With40GB.cluster(devices: 8)
    #expect(a100With40GB.device.memoryBytes == 40 * 1024 * 1024 * 1024)
  }
}

extension Cluster {
  /// This cluster with the intra-node link's per-call overhead set to `overhead`.
  fileprivate func withIntraNodeOverhead(_ overhead: Double) -> Cluster {
    var copy = self
    copy.intraNode.overhead = overhead
    return copy
  }
}
