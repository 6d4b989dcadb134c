import Benchmark
import Foundation
import TensorOpt

/// The suite `make bench` runs (docs/performance.md): the full planner on the
/// planner issue's cases, the cost model's unit of work, the operator-level
/// search, scaling with devices and layers, and the executor's GEMM and
/// all-reduce rates.
let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock], warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 15)
  PlanCases.register()
  PlannerCases.register()
  SearchCases.register()
  ScalingCases.register()
  ExecutorCases.register()
}
