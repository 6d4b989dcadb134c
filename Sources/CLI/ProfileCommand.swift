import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt profile`: measures this machine and writes a cluster file.
struct ProfileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "profile",
    abstract:
      "Measure this machine (single-threaded OpenBLAS sgemm, memory, the executor's collectives).",
    discussion: """
      Writes a cluster file (tensoropt-cluster/1) that --cluster accepts. Without --output it \
      is cached where the `cpu` preset looks (TENSOROPT_CPU_PROFILE, else \
      ~/.cache/tensoropt/cpu-cluster.json); an existing cache is kept unless --force.
      """)

  @Option(
    help:
      "Where to write the cluster file (replaced whole if it exists: written to a temporary file, then renamed)."
  )
  var output: String?

  @Flag(help: "Replace an existing cached profile.")
  var force = false

  @Option(
    help:
      "Worker threads (devices) the profile describes; each kernel is measured by that many threads at once."
  )
  var devices = 8

  @Flag(help: "A coarse grid (16..1024, step ×4) for a fast look; less accurate.")
  var quick = false

  @Flag(help: "After profiling, measure shapes off the grid and print the prediction errors.")
  var check = false

  func validate() throws {
    try SizeLimits.check(devices, "--devices", atMost: SizeLimits.devices)
  }

  func run() throws {
    guard devices > 0 else {
      throw CostCommandSupport.userError("--devices must be positive, got \(devices)")
    }
    let path = output ?? ClusterPreset.cpuProfilePath
    if output == nil, !force, FileManager.default.fileExists(atPath: path) {
      throw CostCommandSupport.userError(
        "\(path) exists; pass --force to replace it or --output FILE")
    }
    // Refuse a target that cannot be replaced before spending a minute measuring.
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue
    {
      throw CostCommandSupport.userError("cannot write \(path): it is a directory")
    }
    let started = Date()
    let grid = quick ? [16, 64, 256, 1024] : MachineProfiler.defaultGrid
    // The link is fitted to the executor's own collectives (CollectiveProfiler).
    let profiler = MachineProfiler(
      gridSizes: grid,
      linkMeasurement: {
        CollectiveProfiler.link(devices: $0, progress: CostCommandSupport.progress)
      },
      concurrency: devices, progress: CostCommandSupport.progress)
    let cluster = profiler.profile(devices: devices)
    do {
      let directory = (path as NSString).deletingLastPathComponent
      if !directory.isEmpty {
        try FileManager.default.createDirectory(
          atPath: directory, withIntermediateDirectories: true)
      }
      try cluster.encodedJSON().write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw CostCommandSupport.userError("cannot write \(path): \(error.localizedDescription)")
    }
    CostCommandSupport.progress(
      String(format: "wrote %@ in %.0f s", path, Date().timeIntervalSince(started)))
    if check { report(ProfileCheck.run(cluster: cluster, profiler: profiler)) }
  }

  func report(_ rows: [ProfileCheck.Row]) {
    print("shape (m×n×k, operands)   measured     predicted    error")
    for row in rows {
      let shape = "\(row.m)×\(row.n)×\(row.k) \(row.operands.rawValue)"
      print(
        shape + String(repeating: " ", count: max(25 - shape.count, 0))
          + String(
            format: " %9.3f ms %9.3f ms %+7.1f%%", row.measured * 1e3, row.predicted * 1e3,
            row.error * 100))
    }
    let worst = rows.map { abs($0.error) }.max() ?? 0
    let mean = rows.map { abs($0.error) }.reduce(0, +) / Double(max(rows.count, 1))
    print(String(format: "mean |error| %.1f%%, max %.1f%%", mean * 100, worst * 100))
  }
}
