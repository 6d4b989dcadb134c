import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt evaluate`: the predicted cost of one uniform strategy.
struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Predict iteration time, peak memory per device and throughput of one strategy.",
    discussion: """
      dp defaults to devices / (tp·pp). Without --gpu or --cluster the cluster is h100-80g with \
      8 GPUs per node. A strategy that does not fit in memory is a result (fits: false); an \
      impossible one is an error (exit 2). Formulas: docs/cost-model.md.
      """)

  @Argument(
    help: "A zoo name (see `tensoropt models`), a model.json, or a Hugging Face config.json.")
  var model: String

  @Option(help: "Devices in total.")
  var devices: Int

  @Option(help: "GPU preset: v100-32g, a100-40g, a100-80g, h100-80g, cpu.")
  var gpu: String?

  @Option(help: "GPUs per node for --gpu.")
  var gpusPerNode = 8

  @Option(help: "A cluster file (tensoropt-cluster/1).")
  var cluster: String?

  @Option(help: "Global batch size (default: the model's).")
  var batch: Int?

  @Option(help: "Sequence length (default: the model's).")
  var seq: Int?

  @Option(
    help:
      "fp32, bf16 or fp16 (mixed precision with fp32 master weights); default: the model's, fp32 on devices without it."
  )
  var dtype: DTypePolicy?

  @Option(help: "adam or sgd (with momentum).")
  var optimizer: Optimizer = .adam

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

  @Option(help: "ZeRO stage 0-3.")
  var zero = 0

  @Flag(
    help: "Keep the vocabulary as it is (default: pad it to a multiple of 128·tp like Megatron-LM)."
  )
  var noVocabPadding = false

  @Option(help: "table or json.")
  var format: OutputFormat = .table

  func run() throws {
    guard devices > 0 else {
      throw CostCommandSupport.userError("--devices must be positive, got \(devices)")
    }
    guard tp > 0, pp > 0 else {
      throw CostCommandSupport.userError("--tp and --pp must be positive")
    }
    let (hardware, defaulted) = try CostCommandSupport.cluster(
      gpu: gpu, gpusPerNode: gpusPerNode, clusterFile: cluster, devices: devices)
    let model = try reportingUserErrors { try ModelLoader.load(self.model) }
    guard devices % (tp * pp) == 0 else {
      throw CostCommandSupport.userError("tp·pp = \(tp * pp) does not divide --devices \(devices)")
    }
    let dataParallel = dp ?? devices / (tp * pp)
    guard dataParallel * tp * pp == devices else {
      throw CostCommandSupport.userError(
        "dp·tp·pp = \(dataParallel * tp * pp) does not equal --devices \(devices)")
    }
    let globalBatch = batch ?? model.defaults.globalBatchSize
    guard dataParallel > 0, globalBatch > 0 else {
      throw CostCommandSupport.userError("--batch and --dp must be positive")
    }
    if seq != nil, model.family != .language {
      throw CostCommandSupport.userError("\(model.name) has no sequence dimension (--seq)")
    }
    let micro = microbatch ?? (pp == 1 ? max(globalBatch / dataParallel, 1) : 1)
    // The model's dtype, unless the device cannot compute in it (the cpu preset): then fp32.
    var trainingType: DTypePolicy =
      dtype
      ?? (model.defaults.dtype == .fp16 ? .fp16 : model.defaults.dtype == .bf16 ? .bf16 : .fp32)
    if dtype == nil, !hardware.device.supports(trainingType.computePrecision) {
      trainingType = .fp32
    }
    let strategy = ParallelStrategy(
      dataParallel: dataParallel, tensorParallel: tp, pipelineStages: pp, microBatchSize: micro,
      schedule: schedule,
      interleave: interleave, recomputation: recompute, sequenceParallel: sequenceParallel,
      zeroStage: zero,
      dtype: trainingType, optimizer: optimizer, padsVocabulary: !noVocabPadding)
    let evaluation: Evaluation
    do {
      evaluation = try StrategyEvaluator(cluster: hardware).evaluate(
        model: model, globalBatchSize: globalBatch,
        sequenceLength: seq ?? model.defaults.sequenceLength,
        strategy: strategy)
    } catch {
      throw CostCommandSupport.userError(error.description)
    }
    switch format {
    case .json:
      print(try CostCommandSupport.json(evaluation), terminator: "")
    case .table:
      if defaulted {
        print("cluster: no --gpu or --cluster given; assuming h100-80g with 8 GPUs per node")
      }
      print(EvaluationTable(evaluation, device: hardware.device).text, terminator: "")
    }
  }
}

extension DTypePolicy: ExpressibleByArgument {}
extension Optimizer: ExpressibleByArgument {}
extension PipelineSchedule: ExpressibleByArgument {}
extension Recomputation: ExpressibleByArgument {}
