import COpenBLAS
import Foundation

/// Measures this machine as the executor uses it: one worker thread per device,
/// single-threaded OpenBLAS sgemm, memory copies between threads.
///
/// Kernel times use the calling thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`),
/// like the executor, so other load on the machine does not inflate them; each
/// figure is the median of several samples.
public struct MachineProfiler: Sendable {
  /// The extents measured for each of m, n and k (a full grid).
  public var gridSizes: [Int]
  /// Samples per measurement (the median is kept).
  public var samples: Int
  /// Receives one line per step.
  public var progress: @Sendable (String) -> Void

  /// The default grid: powers of two from 16 to 2048.
  public static let defaultGrid = [16, 32, 64, 128, 256, 512, 1024, 2048]

  /// Creates a profiler.
  public init(
    gridSizes: [Int] = defaultGrid, samples: Int = 3,
    progress: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.gridSizes = gridSizes
    self.samples = samples
    self.progress = progress
  }

  /// Profiles the machine and returns a cluster of `devices` worker threads in
  /// one node, in the form `--cluster` and the `cpu` preset accept.
  public func profile(devices: Int) -> Cluster {
    let gemms = measureGrid()
    progress("memory copy bandwidth, element-wise arithmetic")
    let copy = copyBandwidth()
    let vector = vectorThroughput()
    progress("thread-to-thread transfers")
    let link = threadLink()
    let peak = gemms.map(\.throughput).max() ?? 1e10
    let memory = Double(ProcessInfo.processInfo.physicalMemory) / Double(max(devices, 1))
    progress(
      String(
        format:
          "peak sgemm %.1f GFLOP/s, element-wise %.2f GFLOP/s, copy %.1f GB/s, thread link %.1f GB/s, %.1f µs",
        peak / 1e9, vector / 1e9, copy / 1e9, link.bandwidth / 1e9, link.latency * 1e6))
    return Cluster(
      name: "cpu x \(devices)", deviceCount: devices, devicesPerNode: max(devices, 1),
      device: DeviceSpec(
        name: "CPU worker thread (single-threaded OpenBLAS sgemm)", memoryBytes: memory,
        peakFLOPs: [.fp32: peak],
        memoryBandwidth: copy,
        efficiency: KernelEfficiency(maxEfficiency: 1, halfDimension: 8, overhead: 1e-6),
        kernelTable: KernelTable(gemms), vectorFLOPs: vector),
      intraNode: link, interNode: link,
      source:
        "measured by tensoropt profile on \(ProcessInfo.processInfo.hostName), \(Self.timestamp())")
  }

  /// Measures every (m, n, k) of ``gridSizes``.
  public func measureGrid() -> [GEMMMeasurement] {
    var result: [GEMMMeasurement] = []
    let total = gridSizes.count * gridSizes.count * gridSizes.count
    for m in gridSizes {
      progress("sgemm m=\(m): \(result.count)/\(total) shapes")
      for n in gridSizes {
        for k in gridSizes {
          result.append(
            GEMMMeasurement(
              precision: .fp32, m: m, n: n, k: k, seconds: gemmSeconds(m: m, n: n, k: k)))
        }
      }
    }
    return result
  }

  /// The median thread-CPU seconds of one single-threaded `sgemm` of this shape.
  public func gemmSeconds(m: Int, n: Int, k: Int) -> Double {
    openblas_set_num_threads(1)
    var a = [Float](repeating: 0, count: m * k)
    var b = [Float](repeating: 0, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    for i in a.indices { a[i] = Float(i % 7) * 0.1 - 0.3 }
    for i in b.indices { b[i] = Float(i % 5) * 0.1 - 0.2 }
    func run() {
      cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b,
        Int32(n), 0, &c,
        Int32(n))
    }
    let flops = 2 * Double(m) * Double(n) * Double(k)
    if flops < 1e9 { run() }  // warm caches and OpenBLAS's buffers; large products amortise it
    let first = Self.threadSeconds { run() }
    // Large products (> 50 ms) are steady: the first run plus one more suffice.
    if first > 0.05 { return (first + Self.threadSeconds { run() }) / 2 }
    let repeats = max(1, min(1000, Int(2e-3 / max(first, 1e-7))))
    var times: [Double] = []
    for _ in 0..<max(samples, 1) {
      times.append(Self.threadSeconds { for _ in 0..<repeats { run() } } / Double(repeats))
    }
    return Self.median(times)
  }

  /// FLOP/s of a scalar element-wise loop like the executor's kernels: the
  /// tanh-approximated GELU over 256 Ki floats, counted as 8 FLOPs per element
  /// (the IR's convention for GELU).
  public func vectorThroughput(count: Int = 256 << 10) -> Double {
    let x = UnsafeMutablePointer<Float>.allocate(capacity: count)
    let y = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer {
      x.deallocate()
      y.deallocate()
    }
    for i in 0..<count { x[i] = Float(i % 97) * 0.02 - 1 }
    func gelu() {
      for i in 0..<count {
        let v = x[i]
        y[i] = 0.5 * v * (1 + tanhf(0.797_884_6 * (v + 0.044715 * v * v * v)))
      }
    }
    gelu()
    var times: [Double] = []
    for _ in 0..<max(samples, 1) { times.append(Self.threadSeconds { gelu() }) }
    return 8 * Double(count) / Self.median(times)
  }

  /// Bytes per second of read-plus-write traffic of a large `memcpy`.
  public func copyBandwidth(bytes: Int = 64 << 20) -> Double {
    let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    let target = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    defer {
      source.deallocate()
      target.deallocate()
    }
    memset(source, 1, bytes)
    memset(target, 0, bytes)
    var times: [Double] = []
    for _ in 0..<max(samples, 1) {
      times.append(Self.threadSeconds { memcpy(target, source, bytes) })
    }
    return 2 * Double(bytes) / Self.median(times)
  }

  /// The link between two worker threads: the latency of a hand-off (half a
  /// round trip through semaphores) and the bandwidth of copying a buffer the
  /// other thread has just written.
  public func threadLink(bytes: Int = 16 << 20, roundTrips: Int = 200) -> LinkSpec {
    let ping = DispatchSemaphore(value: 0)
    let pong = DispatchSemaphore(value: 0)
    let buffer = SharedBuffer(bytes: bytes)
    let rounds = roundTrips
    let copies = max(samples, 1)
    let worker = Thread {
      for _ in 0..<rounds {
        ping.wait()
        pong.signal()
      }
      for _ in 0..<copies {
        ping.wait()
        memset(buffer.source, 2, buffer.bytes)  // the peer produces the data
        pong.signal()
      }
    }
    worker.start()
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds {
      ping.signal()
      pong.wait()
    }
    let latency = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(2 * rounds)
    var times: [Double] = []
    for _ in 0..<copies {
      ping.signal()
      pong.wait()
      let begin = DispatchTime.now().uptimeNanoseconds
      memcpy(buffer.target, buffer.source, bytes)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
    }
    return LinkSpec(bandwidth: Double(bytes) / Self.median(times), latency: latency)
  }

  /// The calling thread's CPU seconds spent in `body`.
  public static func threadSeconds(_ body: () -> Void) -> Double {
    var start = timespec()
    var end = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
    body()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
    return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
  }

  static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1
      ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
  }

  static func timestamp() -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: Date())
  }
}

/// Two buffers shared by the profiling threads (written by one, read by the other
/// strictly after a semaphore hand-off).
final class SharedBuffer: @unchecked Sendable {
  let bytes: Int
  let source: UnsafeMutableRawPointer
  let target: UnsafeMutableRawPointer

  init(bytes: Int) {
    self.bytes = bytes
    source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    target = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    memset(source, 0, bytes)
    memset(target, 0, bytes)
  }

  deinit {
    source.deallocate()
    target.deallocate()
  }
}
