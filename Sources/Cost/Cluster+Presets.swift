import Foundation

/// Named hardware presets from vendor datasheets (see `docs/cluster-format.md`
/// for every figure and its source).
public enum ClusterPreset: String, CaseIterable, Sendable {
  /// NVIDIA V100 SXM2 32 GB, NVLink 2, 100 Gb/s EDR InfiniBand per GPU.
  case v100 = "v100-32g"
  /// NVIDIA A100 SXM4 40 GB, NVLink 3, 200 Gb/s HDR InfiniBand per GPU.
  case a100With40GB = "a100-40g"
  /// NVIDIA A100 SXM4 80 GB, NVLink 3, 200 Gb/s HDR InfiniBand per GPU.
  case a100With80GB = "a100-80g"
  /// NVIDIA H100 SXM5 80 GB with the measured GEMM table, NVLink 4, 400 Gb/s NDR per GPU.
  case h100 = "h100-80g"
  /// This machine as the executor uses it: one worker thread per device.
  case cpu

  /// Fraction of a link's datasheet bandwidth NCCL's ring algorithms reach
  /// (bus bandwidth in nccl-tests is typically 75-85% of the per-direction figure).
  public static let linkEfficiency = 0.8
  /// Fraction of the datasheet HBM bandwidth a streaming kernel reaches.
  public static let memoryEfficiency = 0.9

  /// The cluster of `devices` devices, `devicesPerNode` per node.
  ///
  /// For ``cpu`` the profile cached by `tensoropt profile` is used when present
  /// (see ``cpuProfilePath``), else conservative defaults; all CPU workers share
  /// one node.
  public func cluster(devices: Int, devicesPerNode: Int = 8) -> Cluster {
    let gib = 1024.0 * 1024 * 1024
    let gbps = 1e9 / 8  // bytes per second in one Gb/s
    let nvlinkLatency = 3e-6
    let ibLatency = 8e-6
    let gpuEfficiency = KernelEfficiency(maxEfficiency: 0.8, halfDimension: 16, overhead: 5e-6)
    func gpu(
      _ name: String, memory: Double, peaks: [ComputePrecision: Double], hbm: Double,
      nvlink: Double, ib: Double,
      table: KernelTable? = nil, bandwidth: Double? = nil
    ) -> Cluster {
      Cluster(
        name: "\(rawValue) x \(devices)", deviceCount: devices, devicesPerNode: devicesPerNode,
        device: DeviceSpec(
          name: name, memoryBytes: memory, peakFLOPs: peaks,
          memoryBandwidth: bandwidth ?? hbm * Self.memoryEfficiency, efficiency: gpuEfficiency,
          kernelTable: table),
        intraNode: LinkSpec(bandwidth: nvlink * Self.linkEfficiency, latency: nvlinkLatency),
        interNode: LinkSpec(bandwidth: ib * Self.linkEfficiency, latency: ibLatency),
        source: "preset \(rawValue): NVIDIA datasheet figures, see docs/cluster-format.md")
    }
    switch self {
    case .v100:
      // V100 SXM2: 15.7 TFLOP/s fp32, 125 TFLOP/s fp16 tensor; 900 GB/s HBM2; NVLink 2 300 GB/s total.
      return gpu(
        "NVIDIA V100 SXM2 32GB", memory: 32 * gib, peaks: [.fp32: 15.7e12, .fp16: 125e12],
        hbm: 900e9,
        nvlink: 150e9, ib: 100 * gbps)
    case .a100With40GB, .a100With80GB:
      // A100 SXM4: 19.5 fp32, 156 tf32, 312 bf16/fp16 dense TFLOP/s; 1555 / 2039 GB/s; NVLink 3 600 GB/s total.
      let is80 = self == .a100With80GB
      return gpu(
        is80 ? "NVIDIA A100 SXM4 80GB" : "NVIDIA A100 SXM4 40GB", memory: (is80 ? 80 : 40) * gib,
        peaks: [.fp32: 19.5e12, .tf32: 156e12, .bf16: 312e12, .fp16: 312e12],
        hbm: is80 ? 2039e9 : 1555e9,
        nvlink: 300e9, ib: 200 * gbps)
    case .h100:
      // H100 SXM5: 67 fp32, 494.7 tf32, 989.4 bf16/fp16 dense TFLOP/s; 3.35 TB/s; NVLink 4 900 GB/s total.
      return gpu(
        "NVIDIA H100 SXM5 80GB", memory: H100GEMMTable.deviceMemoryBytes,
        peaks: [.fp32: 67e12, .tf32: 494.7e12, .bf16: 989.4e12, .fp16: 989.4e12], hbm: 3.35e12,
        nvlink: 450e9,
        ib: 400 * gbps, table: KernelTable(H100GEMMTable.measurements),
        bandwidth: H100GEMMTable.copyBandwidth)
    case .cpu:
      return Self.cpuCluster(devices: devices)
    }
  }

  /// Where `tensoropt profile` caches this machine's profile and the `cpu` preset
  /// looks for it: `$TENSOROPT_CPU_PROFILE`, else
  /// `$XDG_CACHE_HOME/tensoropt/cpu-cluster.json` (default `~/.cache/...`).
  public static var cpuProfilePath: String {
    let environment = ProcessInfo.processInfo.environment
    if let path = environment["TENSOROPT_CPU_PROFILE"], !path.isEmpty { return path }
    let cache =
      environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? (NSHomeDirectory() + "/.cache")
    return cache + "/tensoropt/cpu-cluster.json"
  }

  /// The conservative CPU description used when no profile is cached: 20 GFLOP/s
  /// single-threaded sgemm, 1 GFLOP/s element-wise arithmetic, 5 GB/s memory and
  /// 2 GB/s thread-to-thread copies with 20 µs latency, and the machine's memory
  /// shared evenly among the workers.
  public static func defaultCPUCluster(devices: Int) -> Cluster {
    let memory = Double(ProcessInfo.processInfo.physicalMemory) / Double(max(devices, 1))
    let link = LinkSpec(bandwidth: 2e9, latency: 20e-6)
    return Cluster(
      name: "cpu x \(devices)", deviceCount: devices, devicesPerNode: max(devices, 1),
      device: DeviceSpec(
        name: "CPU worker thread (defaults)", memoryBytes: memory, peakFLOPs: [.fp32: 20e9],
        memoryBandwidth: 5e9,
        efficiency: KernelEfficiency(maxEfficiency: 1, halfDimension: 8, overhead: 1e-6),
        vectorFLOPs: 1e9),
      intraNode: link, interNode: link, source: "cpu preset defaults (no cached profile)")
  }

  static func cpuCluster(devices: Int) -> Cluster {
    let path = cpuProfilePath
    guard FileManager.default.fileExists(atPath: path),
      let profile = try? Cluster.load(contentsOf: path)
    else {
      return defaultCPUCluster(devices: devices)
    }
    var cluster = profile
    cluster.deviceCount = devices
    cluster.devicesPerNode = max(devices, 1)
    cluster.name = "cpu x \(devices)"
    cluster.device.memoryBytes =
      Double(ProcessInfo.processInfo.physicalMemory) / Double(max(devices, 1))
    return cluster
  }
}
