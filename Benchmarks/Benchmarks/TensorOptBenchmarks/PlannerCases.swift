import Benchmark
import TensorOpt

/// The cost model's evaluation of one Megatron-style strategy for each planner
/// case of the planner issue: the unit of work the planner repeats (the
/// planner itself is timed by ``PlanCases``).
enum PlannerCases {
  static func register() {
    let cases:
      [(name: String, model: String, gpu: ClusterPreset, devices: Int, strategy: ParallelStrategy)] =
        [
          (
            "evaluate gpt3-175b 1024×a100-80g", "gpt3-175b", .a100With80GB, 1024,
            ParallelStrategy(
              dataParallel: 8, tensorParallel: 8, pipelineStages: 16, microBatchSize: 1)
          ),
          (
            "evaluate llama2-70b 256×h100-80g", "llama2-70b", .h100, 256,
            ParallelStrategy(
              dataParallel: 4, tensorParallel: 8, pipelineStages: 8, microBatchSize: 1)
          ),
          (
            "evaluate gpt2 8×h100-80g", "gpt2", .h100, 8,
            ParallelStrategy(dataParallel: 8, microBatchSize: 8)
          ),
          (
            "evaluate resnet50 64×v100-32g", "resnet50", .v100, 64,
            ParallelStrategy(dataParallel: 64, microBatchSize: 4)
          ),
        ]
    for item in cases {
      let model = BenchmarkModels.zoo(item.model)
      let cluster = item.gpu.cluster(devices: item.devices)
      Benchmark(item.name) { benchmark in
        for _ in benchmark.scaledIterations {
          blackHole(BenchmarkModels.evaluate(model, on: cluster, strategy: item.strategy))
        }
      }
    }
  }
}
