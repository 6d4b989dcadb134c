import Benchmark
import Foundation
import TensorOpt

/// The full planner, as `tensoropt plan MODEL --devices N` runs it: the outer
/// search over meshes, micro-batching, schedules, recomputation, sequence
/// parallelism and ZeRO (and the operator-level search where the planner runs
/// it), ending in the Pareto frontier. One iteration is one
/// `Planner.frontier(devices:)` call on every core, as the CLI does.
enum PlanCases {
  /// Wall-clock time, and the CPU time of the process (both threads), which a
  /// machine shared with other work inflates less.
  static let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal]

  /// The suite's default runs for the searches that take milliseconds.
  static var fast: Benchmark.Configuration {
    .init(metrics: metrics, warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 15)
  }

  /// Few runs for the searches that take seconds.
  static var slow: Benchmark.Configuration {
    .init(metrics: metrics, warmupIterations: 0, maxDuration: .seconds(10), maxIterations: 3)
  }

  /// One run for the searches that take tens of seconds.
  static var once: Benchmark.Configuration {
    .init(metrics: metrics, warmupIterations: 0, maxDuration: .seconds(1), maxIterations: 1)
  }

  static func register() {
    // The planner issue's cases and targets (docs/performance.md compares them).
    add("plan gpt2 8×h100-80g", BenchmarkModels.zoo("gpt2"), .h100, devices: 8)
    add(
      "plan llama2-70b 256×h100-80g", BenchmarkModels.zoo("llama2-70b"), .h100, devices: 256,
      configuration: slow)
    add(
      "plan gpt3-175b 1024×a100-80g", BenchmarkModels.zoo("gpt3-175b"), .a100With80GB,
      devices: 1024, configuration: slow)
    add(
      "plan resnet50 64×h100-80g", BenchmarkModels.zoo("resnet50"), .h100, devices: 64,
      configuration: slow)
    // gpt2 with the operator-level FT search inside the stage (`--operator-search always`).
    add(
      "plan gpt2 8×h100-80g operator-search", BenchmarkModels.zoo("gpt2"), .h100, devices: 8,
      operatorSearch: .always, configuration: once)
    // FT against exhaustive search inside the planner on a small model.
    let mlp = BenchmarkModels.zoo("mlp")
    for search in [SearchMethod.ft, .exhaustive] {
      add("plan \(search.rawValue) mlp 4×h100-80g", mlp, .h100, devices: 4, search: search)
    }
    // Growth with devices (llama2-7b, which fits on 8) and with layers (GPT-2 widths, 8 devices).
    let llama = BenchmarkModels.zoo("llama2-7b")
    for devices in [8, 64, 512, 4096] {
      add(
        "plan devices \(devices) llama2-7b h100-80g", llama, .h100, devices: devices,
        configuration: slow)
    }
    for layers in [12, 32, 64, 128] {
      add(
        "plan layers \(layers) gpt2 8×h100-80g", BenchmarkModels.gpt2(layers: layers), .h100,
        devices: 8, configuration: slow)
    }
  }

  /// Registers the planner on `model` over `devices` devices of `preset`, with
  /// the model's default batch, sequence length and precision as `plan` picks them.
  static func add(
    _ name: String, _ model: Model, _ preset: ClusterPreset, devices: Int,
    search: SearchMethod = .ft, operatorSearch: OperatorSearchPolicy = .automatic,
    configuration: Benchmark.Configuration = PlanCases.fast
  ) {
    let cluster = preset.cluster(devices: devices)
    let request = PlanRequest(
      model: model, modelSource: model.name, cluster: cluster,
      dtype: trainingType(of: model, on: cluster),
      threads: ProcessInfo.processInfo.activeProcessorCount, search: search,
      operatorSearch: operatorSearch)
    let planner = Planner(request)
    Benchmark(name, configuration: configuration) { benchmark in
      for _ in benchmark.scaledIterations {
        do {
          blackHole(try planner.frontier(devices: devices))
        } catch {
          preconditionFailure("benchmark \(name): \(error)")
        }
      }
    }
  }

  /// The precision `tensoropt plan` trains in without `--dtype`: the model's
  /// default, or fp32 when the device lacks it.
  static func trainingType(of model: Model, on cluster: Cluster) -> DTypePolicy {
    let preferred: DTypePolicy =
      model.defaults.dtype == .fp16 ? .fp16 : model.defaults.dtype == .bf16 ? .bf16 : .fp32
    return cluster.device.supports(preferred.computePrecision) ? preferred : .fp32
  }
}
