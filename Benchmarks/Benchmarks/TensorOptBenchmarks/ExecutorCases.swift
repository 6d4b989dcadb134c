import Benchmark
import TensorOpt

/// The executor's GEMM efficiency (its linear layer against `cblas_sgemm`
/// called directly) and its ring all-reduce bus bandwidth.
enum ExecutorCases {
  /// Permille of the direct sgemm rate the executor reaches.
  static let gemmEfficiency = BenchmarkMetric.custom(
    "efficiency (‰)", polarity: .prefersLarger, useScalingFactor: false)
  /// GFLOP/s of the executor's GEMM.
  static let gemmRate = BenchmarkMetric.custom(
    "GFLOP/s", polarity: .prefersLarger, useScalingFactor: false)
  /// All-reduce bus bandwidth in hundredths of GB/s (thread CPU time inside the
  /// collective); `scripts/bench_table.py` divides by 100. Values stay below
  /// 10 000, which the harness would print scaled and rounded ("11 K").
  static let busBandwidth = BenchmarkMetric.custom(
    "bus GB/s x100", polarity: .prefersLarger, useScalingFactor: false)
  /// Bus bandwidth as a fraction of single-thread memcpy, permille.
  static let busRatio = BenchmarkMetric.custom(
    "of memcpy (‰)", polarity: .prefersLarger, useScalingFactor: false)

  static func register() {
    let configuration = Benchmark.Configuration(
      metrics: [.wallClock, gemmRate, gemmEfficiency], warmupIterations: 1,
      maxDuration: .seconds(5), maxIterations: 5)
    for size in [256, 1024] {
      Benchmark("executor gemm \(size)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
          guard let result = try? ExecutorBenchmark.gemm(size: size, repetitions: 3) else {
            continue
          }
          benchmark.measurement(gemmRate, Int(result.executorGFLOPS.rounded()))
          benchmark.measurement(gemmEfficiency, Int((result.efficiency * 1000).rounded()))
        }
      }
    }
    let collective = Benchmark.Configuration(
      metrics: [.wallClock, busBandwidth, busRatio], warmupIterations: 1,
      maxDuration: .seconds(5), maxIterations: 5)
    for workers in [2, 4] {
      let bytes = 16 << 20
      Benchmark("executor all-reduce \(workers) workers 16 MiB", configuration: collective) {
        benchmark in
        for _ in benchmark.scaledIterations {
          guard let result = try? ExecutorBenchmark.allReduce(workers: workers, bytes: bytes)
          else { continue }
          benchmark.measurement(busBandwidth, Int((result.busGBpsCPU * 100).rounded()))
          benchmark.measurement(busRatio, Int((result.ratioCPU * 1000).rounded()))
        }
      }
    }
  }
}
