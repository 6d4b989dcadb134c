import ArgumentParser
import TensorOpt

/// The flags that describe one uniform strategy, shared by `evaluate` and `validate`.
struct StrategyOptions: ParsableArguments {
  @Option(help: "Data-parallel degree (default devices/(tp·pp)).")
  var dp: Int?

  @Option(help: "Tensor-parallel degree.")
  var tp = 1

  @Option(help: "Pipeline stages.")
  var pp = 1

  @Option(help: "Micro-batch size per replica (default: batch/dp without pipelining, else 1).")
  var microbatch: Int?

  @Option(help: "gpipe or 1f1b.")
  var schedule: PipelineSchedule = .oneForwardOneBackward

  @Option(help: "Model chunks per device (interleaved 1F1B).")
  var interleave = 1

  @Option(help: "none, selective or full.")
  var recompute: Recomputation = .none

  @Flag(help: "Sequence parallelism in the tensor-parallel region.")
  var sequenceParallel = false

  @Option(
    help: "ZeRO stage: 0, 1 (optimizer state sharded), 2 (gradients too) or 3 (parameters too).")
  var zero = 0

  @Option(help: "adam or sgd (with momentum).")
  var optimizer: Optimizer = .adam

  /// The data-parallel degree for `devices`, checked against tp and pp.
  func dataParallel(devices: Int) throws -> Int {
    guard devices > 0 else { throw failure("--devices must be positive, got \(devices)") }
    guard tp > 0, pp > 0, interleave > 0 else {
      throw failure("--tp, --pp and --interleave must be positive")
    }
    guard (0...3).contains(zero) else { throw failure("--zero must be 0, 1, 2 or 3, got \(zero)") }
    guard devices % (tp * pp) == 0 else {
      throw failure("tp·pp = \(tp * pp) does not divide --devices \(devices)")
    }
    let dataParallel = dp ?? devices / (tp * pp)
    guard dataParallel > 0, dataParallel * tp * pp == devices else {
      throw failure("dp·tp·pp = \(dataParallel * tp * pp) does not equal --devices \(devices)")
    }
    return dataParallel
  }

  /// The micro-batch size per replica for a global batch.
  func microBatch(globalBatch: Int, dataParallel: Int) -> Int {
    microbatch ?? (pp == 1 ? max(globalBatch / dataParallel, 1) : 1)
  }

  /// The strategy these flags describe.
  func strategy(
    dataParallel: Int, microBatch: Int, dtype: DTypePolicy, padsVocabulary: Bool
  ) -> ParallelStrategy {
    ParallelStrategy(
      dataParallel: dataParallel, tensorParallel: tp, pipelineStages: pp,
      microBatchSize: microBatch,
      schedule: schedule, interleave: interleave, recomputation: recompute,
      sequenceParallel: sequenceParallel, zeroStage: zero, dtype: dtype, optimizer: optimizer,
      padsVocabulary: padsVocabulary)
  }

  /// A one-line label, e.g. `dp2·tp2·pp1 mb4×2 1f1b recompute=none zero1`.
  func label(dataParallel: Int, microBatch: Int, microBatches: Int) -> String {
    let chunks = interleave > 1 ? "×\(interleave)" : ""
    return
      "dp\(dataParallel)·tp\(tp)·pp\(pp)\(chunks) mb\(microBatch)×\(microBatches) \(schedule.rawValue) recompute=\(recompute.rawValue) zero\(zero)\(sequenceParallel ? " sp" : "")"
  }
}

/// The flags that choose the hardware, shared by the commands that cost strategies.
struct ClusterOptions: ParsableArguments {
  @Option(help: "Device preset: v100-32g, a100-40g, a100-80g, h100-80g, cpu.")
  var gpu: String?

  @Option(help: "GPUs per node for --gpu.")
  var gpusPerNode = 8

  @Option(help: "A cluster file (tensoropt-cluster/1, see docs/cluster-format.md).")
  var cluster: String?

  /// The cluster sized to `devices`; `defaultPreset` when neither --gpu nor --cluster is given.
  func resolve(devices: Int, defaultPreset: String? = nil) throws -> (
    cluster: Cluster, defaulted: Bool
  ) {
    let (cluster, defaulted) = try CostCommandSupport.cluster(
      gpu: gpu ?? (self.cluster == nil ? defaultPreset : nil), gpusPerNode: gpusPerNode,
      clusterFile: self.cluster, devices: devices)
    return (cluster, defaulted && defaultPreset == nil)
  }
}

/// The flags that size the workload.
struct WorkloadOptions: ParsableArguments {
  @Option(help: "Global batch size (default: the model's).")
  var batch: Int?

  @Option(help: "Sequence length (default: the model's).")
  var seq: Int?
}
