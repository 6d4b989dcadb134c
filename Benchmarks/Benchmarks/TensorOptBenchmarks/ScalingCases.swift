import Benchmark
import TensorOpt

/// How the planner's unit of work grows with devices (8 → 4096, data parallel
/// with tp 4 beyond one node) and with layers (12 → 128, GPT-2 widths).
enum ScalingCases {
  static func register() {
    let gpt2 = BenchmarkModels.zoo("gpt2")
    for devices in [8, 64, 512, 4096] {
      let cluster = ClusterPreset.h100.cluster(devices: devices)
      let tp = devices >= 64 ? 4 : 1
      let dp = devices / tp
      // gpt2's global batch is 512: beyond it, the batch per replica stays 1.
      let strategy = ParallelStrategy(
        dataParallel: dp, tensorParallel: tp, microBatchSize: max(512 / dp, 1))
      Benchmark("devices \(devices) gpt2 h100-80g") { benchmark in
        for _ in benchmark.scaledIterations {
          blackHole(evaluate(gpt2, devices: devices, cluster: cluster, strategy: strategy))
        }
      }
    }
    let cluster = ClusterPreset.h100.cluster(devices: 8)
    for layers in [12, 32, 64, 128] {
      let model = BenchmarkModels.gpt2(layers: layers)
      let strategy = ParallelStrategy(dataParallel: 8, microBatchSize: 64)
      Benchmark("layers \(layers) gpt2 8×h100-80g") { benchmark in
        for _ in benchmark.scaledIterations {
          blackHole(BenchmarkModels.evaluate(model, on: cluster, strategy: strategy))
        }
      }
    }
  }

  /// Evaluates with a global batch of at least one sample per replica.
  static func evaluate(
    _ model: Model, devices: Int, cluster: Cluster, strategy: ParallelStrategy
  ) -> Evaluation {
    let batch = max(model.defaults.globalBatchSize, strategy.dataParallel)
    do {
      return try StrategyEvaluator(cluster: cluster).evaluate(
        model: model, globalBatchSize: batch, sequenceLength: model.defaults.sequenceLength,
        strategy: strategy)
    } catch {
      preconditionFailure("benchmark gpt2 on \(devices) devices: \(error)")
    }
  }
}
