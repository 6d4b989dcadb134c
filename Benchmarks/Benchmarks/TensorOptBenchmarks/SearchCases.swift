import Benchmark
import TensorOpt

/// The operator-level search (`tensoropt plan --search ft|exhaustive`, one
/// stage) on the planner cases it can run today, FT against exhaustive on small
/// models, and FT's growth with devices and layers.
enum SearchCases {
  /// Few runs: one FT search of a transformer stage takes seconds.
  static var slow: Benchmark.Configuration {
    .init(metrics: [.wallClock], warmupIterations: 0, maxDuration: .seconds(20), maxIterations: 3)
  }

  static func register() {
    let gpt2 = BenchmarkModels.zoo("gpt2")
    let mlp = BenchmarkModels.zoo("mlp")
    for method in [SearchMethod.ft, .exhaustive] {
      for devices in [2, 4] {
        add(
          "search \(method.rawValue) mlp \(devices)×h100-80g", mlp, devices: devices, batch: 64,
          method: method)
      }
    }
    add("search ft gpt2 8×h100-80g", gpt2, devices: 8, batch: 8, method: .ft, configuration: slow)
    // On 2 devices (one 1-D mesh): on 8 the 2-D meshes make 128 layers take minutes.
    for layers in [12, 32, 64, 128] {
      add(
        "search layers \(layers) gpt2 2×h100-80g", BenchmarkModels.gpt2(layers: layers),
        devices: 2, batch: 8, method: .ft, configuration: slow)
    }
    for devices in [8, 64, 512, 4096] {
      add(
        "search devices \(devices) mlp h100-80g", mlp, devices: devices, batch: 4096,
        method: .ft, configuration: slow)
    }
  }

  /// Registers the search of `model` at `batch` over every 1-D and 2-D mesh of
  /// `devices` h100-80g devices, as `tensoropt plan` runs it.
  static func add(
    _ name: String, _ model: Model, devices: Int, batch: Int, method: SearchMethod,
    configuration: Benchmark.Configuration = Benchmark.defaultConfiguration
  ) {
    let cluster = ClusterPreset.h100.cluster(devices: devices)
    let graph: Graph
    do {
      let built = try model.graph(batchSize: batch, sequenceLength: nil)
      graph =
        model.family == .language ? built.paddingVocabulary(toMultipleOf: 128 * devices) : built
    } catch {
      preconditionFailure("benchmark \(name): \(error)")
    }
    let dtype: DTypePolicy = model.defaults.dtype == .fp32 ? .fp32 : .bf16
    let costModels: [any StageCostModel] = DeviceMesh.shapes(deviceCount: devices).map {
      AnalyticalStageCost(mesh: $0, cluster: cluster, options: TrainingOptions(dtype: dtype))
    }
    let options = SearchOptions(method: method)
    Benchmark(name, configuration: configuration) { benchmark in
      for _ in benchmark.scaledIterations {
        do {
          blackHole(try StageSearch.frontier(of: graph, costModels: costModels, options: options))
        } catch {
          preconditionFailure("benchmark \(name): \(error)")
        }
      }
    }
  }
}
