import COpenBLAS
import TensorOptCost

/// Micro-benchmarks of the executor's building blocks on this machine.
public enum ExecutorBenchmark {
  /// A measured GEMM rate.
  public struct GemmResult: Sendable, Hashable {
    /// The square size `n` of the `n×n·n×n` product.
    public var size: Int
    /// GFLOP/s of `cblas_sgemm` called directly on dense buffers (one BLAS thread).
    public var directGFLOPS: Double
    /// GFLOP/s of the executor's linear-layer forward (``Gemm`` on counted tensors, thread-CPU timed).
    public var executorGFLOPS: Double
    /// `executorGFLOPS / directGFLOPS`.
    public var efficiency: Double { directGFLOPS > 0 ? executorGFLOPS / directGFLOPS : 0 }
  }

  /// Times `repetitions` square products of size `size`, directly and through the executor's path.
  public static func gemm(size n: Int, repetitions: Int = 5) throws -> GemmResult {
    openblas_set_num_threads(1)
    let allocator = CountingAllocator(worker: 0)
    let a = DeviceTensor(shape: [n, n], allocator: allocator)
    let b = DeviceTensor(shape: [n, n], allocator: allocator)
    let c = DeviceTensor(shape: [n, n], allocator: allocator)
    for i in 0..<(n * n) {
      a.pointer[i] = Float(i % 7) * 0.1
      b.pointer[i] = Float(i % 5) * 0.1
    }
    let flops = 2 * Double(n) * Double(n) * Double(n) * Double(repetitions)
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(n), blasint(n), 1, a.pointer,
      blasint(n), b.pointer, blasint(n), 0, c.pointer, blasint(n))
    var start = ThreadClock.cpuSeconds()
    for _ in 0..<repetitions {
      cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(n), blasint(n), 1, a.pointer,
        blasint(n),
        b.pointer, blasint(n), 0, c.pointer, blasint(n))
    }
    let direct = flops / (ThreadClock.cpuSeconds() - start) / 1e9
    let trace = WorkerTrace()
    start = ThreadClock.cpuSeconds()
    for _ in 0..<repetitions {
      let y = DeviceTensor(shape: [n, n], allocator: allocator)
      trace.timed("linear") {
        Gemm.multiply(a.pointer, b.pointer, into: y.pointer, m: n, n: n, k: n)
      }
    }
    let executor = flops / trace.computeSeconds / 1e9
    return GemmResult(size: n, directGFLOPS: direct, executorGFLOPS: executor)
  }

  /// A measured all-reduce rate.
  public struct AllReduceResult: Sendable, Hashable {
    /// Workers in the ring.
    public var workers: Int
    /// Bytes per worker.
    public var bytes: Int
    /// Bus bandwidth of the ring all-reduce, GB/s: `2(n−1)/n · bytes / time`, with
    /// time the slowest worker's wall time inside the collective.
    public var busGBps: Double
    /// Bus bandwidth with the time taken as the slowest worker's thread CPU time
    /// inside the collective: what the ring reaches when every worker has a core
    /// of its own (the executor's replay uses the same measure).
    public var busGBpsCPU: Double
    /// Single-thread copy bandwidth on the same buffer size, GB/s (bytes copied / time):
    /// the fastest copy made around the ring runs.
    public var memcpyGBps: Double
    /// `busGBps / memcpyGBps`.
    public var ratio: Double { memcpyGBps > 0 ? busGBps / memcpyGBps : 0 }
    /// `busGBpsCPU / memcpyGBps`.
    public var ratioCPU: Double { memcpyGBps > 0 ? busGBpsCPU / memcpyGBps : 0 }
  }

  /// Times ring all-reduces of `bytes` per worker among `workers` threads.
  ///
  /// The copy bandwidth it is compared with is the fastest of `repetitions`
  /// single-thread copies of the same size made just before the ring runs and
  /// `repetitions` made just after: the machine's bandwidth at its best around
  /// the measurement, so a copy slowed by other load never flatters the ratio.
  public static func allReduce(workers: Int, bytes: Int, repetitions: Int = 5) throws
    -> AllReduceResult
  {
    let count = bytes / 4
    let before = copyGBps(floats: count, repetitions: repetitions)
    let run = try WorkerPool.run(count: workers, timeout: 120) { worker in
      let buffer = DeviceTensor(shape: [count], allocator: worker.allocator)
      for i in 0..<count { buffer.pointer[i] = Float(i % 3) }
      try worker.communicator.allReduce(buffer.storage, group: Array(0..<worker.count))
      let start = ThreadClock.wallSeconds()
      for _ in 0..<repetitions {
        try worker.communicator.allReduce(buffer.storage, group: Array(0..<worker.count))
      }
      return ThreadClock.wallSeconds() - start
    }
    let after = copyGBps(floats: count, repetitions: repetitions)
    let time = (run.results.max() ?? 1) / Double(repetitions)
    let cpuTimes = run.traces.map { trace in
      trace.events.dropFirst().reduce(0.0) { total, event in
        if case .transfer(_, _, _, _, let cpu, _) = event { return total + cpu }
        return total
      }
    }
    let cpuTime = (cpuTimes.max() ?? 1) / Double(repetitions)
    let moved = 2 * Double(workers - 1) / Double(workers) * Double(count * 4)
    return AllReduceResult(
      workers: workers, bytes: count * 4, busGBps: moved / time / 1e9,
      busGBpsCPU: moved / cpuTime / 1e9, memcpyGBps: max(before, after))
  }

  /// Single-thread copy bandwidth of `floats` floats between two written
  /// buffers, GB/s (bytes copied / thread CPU time, the clock the ring's
  /// per-core figure uses): the fastest of `repetitions` copies after one
  /// untimed warm-up.
  static func copyGBps(floats count: Int, repetitions: Int) -> Double {
    let allocator = CountingAllocator(worker: 0)
    let source = DeviceTensor(shape: [count], allocator: allocator)
    let destination = DeviceTensor(shape: [count], allocator: allocator)
    source.pointer.update(repeating: 1, count: count)
    destination.pointer.update(from: source.pointer, count: count)
    var fastest = Double.infinity
    for _ in 0..<max(repetitions, 1) {
      let start = ThreadClock.cpuSeconds()
      destination.pointer.update(from: source.pointer, count: count)
      fastest = min(fastest, ThreadClock.cpuSeconds() - start)
    }
    return fastest > 0 ? Double(count * 4) / fastest / 1e9 : 0
  }
}
