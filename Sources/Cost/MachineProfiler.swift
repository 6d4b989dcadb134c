import COpenBLAS
import Foundation

/// Measures this machine as the executor uses it: one worker thread per device,
/// single-threaded OpenBLAS sgemm, memory copies between threads.
///
/// Kernel times use the calling thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`),
/// like the executor, so other load on the machine does not inflate them; each
/// figure is the median of several samples.
public struct MachineProfiler: Sendable {
  /// The extents measured for each of m, n and k (a full grid, with ``thinSizes``).
  public var gridSizes: [Int]
  /// Extents added to the m and k axes only: the few-row products of small
  /// micro-batches (m) and their weight gradients (k, the rows summed over).
  public var thinSizes: [Int]
  /// Samples per measurement (the median is kept).
  public var samples: Int
  /// How the grid's products read their operands: by default all three ways the
  /// executor's kernels do (forward `A · B`, input gradient `A · Bᵀ`, weight
  /// gradient `Aᵀ · B`), each its own table.
  public var operandVariants: [GEMMOperands]
  /// Bytes of operand copies a product cycles through, so that each call finds
  /// its operands outside the core's private caches, as the executor's workers
  /// (several per core, each with megabytes of state) do.
  public var coldBytes: Int
  /// Twice this machine's per-core L2 cache (4 MiB when the system does not say):
  /// operands cycled through that much are evicted from L2 between two uses.
  public static var defaultColdBytes: Int {
    #if os(Linux)
      let level2 = sysconf(Int32(_SC_LEVEL2_CACHE_SIZE))
      if level2 > 0 { return 2 * level2 }
    #endif
    return 4 << 20
  }
  /// Measures the link between worker threads (given the device count); when it is
  /// `nil` or returns `nil`, ``threadLink(bytes:roundTrips:)`` does.
  /// The executor supplies one that times its own collectives.
  public var linkMeasurement: (@Sendable (_ devices: Int) -> LinkSpec?)?
  /// Threads that run each kernel measurement at the same time (1: alone). The
  /// executor's workers share the cores — 8 workers on 2 cores take turns and
  /// find each other's data in the caches — so a kernel measured alone on an
  /// idle machine runs faster than the same kernel inside a run; measuring with
  /// as many threads as the profile has devices reproduces that sharing. Each
  /// thread times itself with its own CPU clock; the median over threads is kept.
  public var concurrency: Int
  /// Receives one line per step.
  public var progress: @Sendable (String) -> Void

  /// The default grid: powers of two from 16 to 2048.
  public static let defaultGrid = [16, 32, 64, 128, 256, 512, 1024, 2048]
  /// The default thin extents of m and k: 1, 2, 4 and 8.
  public static let defaultThinSizes = [1, 2, 4, 8]

  /// Creates a profiler.
  public init(
    gridSizes: [Int] = defaultGrid, thinSizes: [Int] = defaultThinSizes, samples: Int = 3,
    operandVariants: [GEMMOperands] = GEMMOperands.allCases,
    coldBytes: Int = defaultColdBytes,
    linkMeasurement: (@Sendable (Int) -> LinkSpec?)? = nil,
    concurrency: Int = 1, progress: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.concurrency = max(1, concurrency)
    self.gridSizes = gridSizes
    self.thinSizes = thinSizes
    self.samples = samples
    self.operandVariants = operandVariants.isEmpty ? [.plain] : operandVariants
    self.coldBytes = coldBytes
    self.linkMeasurement = linkMeasurement
    self.progress = progress
  }

  /// Profiles the machine and returns a cluster of `devices` worker threads in
  /// one node, in the form `--cluster` and the `cpu` preset accept.
  public func profile(devices: Int) -> Cluster {
    let gemms = measureGrid()
    progress("memory copy bandwidth, element-wise arithmetic")
    let copy = concurrently { copyBandwidth() }
    let vector = concurrently { vectorThroughput() }
    progress("thread-to-thread transfers")
    let link = linkMeasurement?(devices) ?? threadLink()
    let peak = gemms.map(\.throughput).max() ?? 1e10
    let memory = Double(ProcessInfo.processInfo.physicalMemory) / Double(max(devices, 1))
    progress(
      String(
        format:
          "peak sgemm %.1f GFLOP/s, element-wise %.2f GFLOP/s, copy %.1f GB/s, thread link %.1f GB/s, %.1f µs per step, %.1f µs per call",
        peak / 1e9, vector / 1e9, copy / 1e9, link.bandwidth / 1e9, link.latency * 1e6,
        link.overhead * 1e6))
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

  /// The extents of the m, n and k axes: ``gridSizes``, with ``thinSizes`` on m and k.
  public var axes: (m: [Int], n: [Int], k: [Int]) {
    let thin = Set(thinSizes + gridSizes).filter { $0 > 0 }.sorted()
    return (thin, gridSizes, thin)
  }

  /// Measures every (m, n, k) of ``axes`` for each of ``operandVariants``.
  public func measureGrid() -> [GEMMMeasurement] {
    var result: [GEMMMeasurement] = []
    let (ms, ns, ks) = axes
    let total = ms.count * ns.count * ks.count * operandVariants.count
    for operands in operandVariants {
      for m in ms {
        progress("sgemm \(operands.rawValue) m=\(m): \(result.count)/\(total) shapes")
        for n in ns {
          for k in ks {
            let accumulating = accumulates(operands, k: k)
            result.append(
              GEMMMeasurement(
                precision: .fp32, operands: operands, m: m, n: n, k: k,
                seconds: concurrently {
                  gemmSeconds(m: m, n: n, k: k, operands: operands, accumulating: accumulating)
                }))
          }
        }
      }
    }
    return result
  }

  /// Whether the grid measures a product of `operands` summing `k` rows as
  /// accumulating (`beta = 1`; `k = 1` is `sger`): a weight gradient (`Aᵀ · B`)
  /// of a micro-batch of fewer rows than the grid's smallest extent, which the
  /// executor accumulates over the micro-batches. Forward products and input
  /// gradients never accumulate; a grid of plain products only (no `Aᵀ · B`
  /// table) prices weight gradients from its plain rows, so those accumulate.
  public func accumulates(_ operands: GEMMOperands, k: Int) -> Bool {
    guard k < (gridSizes.min() ?? 1) else { return false }
    return operands == .transposedA
      || (operands == .plain && !operandVariants.contains(.transposedA))
  }

  /// The median thread-CPU seconds of one single-threaded product of this shape,
  /// run as the executor runs it (``Gemm/multiply(_:_:into:m:n:k:transposeA:transposeB:alpha:beta:lda:ldb:ldc:)``
  /// with `operands`' transpositions, `beta = 0`, or `beta = 1` when
  /// `accumulating`) on operands outside the
  /// core's L2: the calls cycle through copies of `A`, `B` and `C` spanning at
  /// least ``coldBytes`` (at most 4,096 copies: the smallest products, a few
  /// hundred bytes each, stay in L2, where their time is the call's overhead).
  public func gemmSeconds(
    m: Int, n: Int, k: Int, operands: GEMMOperands = .plain, accumulating: Bool = false
  ) -> Double {
    openblas_set_num_threads(1)
    let size = m * k + k * n + m * n
    let copies = max(1, min(4096, coldBytes / 4 / max(size, 1)))
    let storage = UnsafeMutablePointer<Float>.allocate(capacity: size * copies)
    defer { storage.deallocate() }
    for i in 0..<(size * copies) { storage[i] = Float(i % 7) * 0.1 - 0.3 }
    var next = 0
    func run() {
      let a = storage + next * size
      next = (next + 1) % copies
      Gemm.multiply(
        a, a + m * k, into: a + m * k + k * n, m: m, n: n, k: k,
        transposeA: operands.transposesA, transposeB: operands.transposesB,
        beta: accumulating ? 1 : 0)
    }
    let flops = 2 * Double(m) * Double(n) * Double(k)
    if flops < 1e9 { run() }  // OpenBLAS's buffers; large products amortise them
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
  /// other thread has just written. Both are wall-clock figures, so each is the
  /// best of ``samples`` trials: other load only ever inflates them.
  public func threadLink(bytes: Int = 16 << 20, roundTrips: Int = 200) -> LinkSpec {
    let ping = DispatchSemaphore(value: 0)
    let pong = DispatchSemaphore(value: 0)
    let buffer = SharedBuffer(bytes: bytes)
    let rounds = roundTrips
    let trials = max(samples, 1)
    let worker = Thread {
      for _ in 0..<trials {
        for _ in 0..<rounds {
          ping.wait()
          pong.signal()
        }
        ping.wait()
        memset(buffer.source, 2, buffer.bytes)  // the peer produces the data
        pong.signal()
      }
    }
    worker.start()
    var latencies: [Double] = []
    var copies: [Double] = []
    for _ in 0..<trials {
      let start = DispatchTime.now().uptimeNanoseconds
      for _ in 0..<rounds {
        ping.signal()
        pong.wait()
      }
      latencies.append(
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(2 * rounds))
      ping.signal()
      pong.wait()
      let begin = DispatchTime.now().uptimeNanoseconds
      memcpy(buffer.target, buffer.source, bytes)
      copies.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
    }
    return LinkSpec(
      bandwidth: Double(bytes) / (copies.min() ?? 1), latency: latencies.min() ?? 0)
  }

  /// The median of `measure` run on ``concurrency`` threads at once (on the
  /// calling thread when it is 1).
  public func concurrently(_ measure: @escaping @Sendable () -> Double) -> Double {
    guard concurrency > 1 else { return measure() }
    let results = Measurements(count: concurrency)
    let group = DispatchGroup()
    for index in 0..<concurrency {
      group.enter()
      let thread = Thread {
        results.record(measure(), at: index)
        group.leave()
      }
      thread.start()
    }
    group.wait()
    return Self.median(results.values)
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

/// One figure per measuring thread.
final class Measurements: @unchecked Sendable {
  private let lock = NSLock()
  private var figures: [Double]

  init(count: Int) { figures = Array(repeating: 0, count: count) }

  func record(_ value: Double, at index: Int) {
    lock.lock()
    figures[index] = value
    lock.unlock()
  }

  var values: [Double] {
    lock.lock()
    defer { lock.unlock() }
    return figures
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
