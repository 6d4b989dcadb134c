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

  @OptionGroup(title: "Hardware") var hardware: ClusterOptions
  @OptionGroup(title: "Workload") var workload: WorkloadOptions

  @Option(
    help:
      "fp32, bf16 or fp16 (mixed precision with fp32 master weights); default: the model's, fp32 on devices without it."
  )
  var dtype: DTypePolicy?

  @OptionGroup(title: "Strategy") var strategy: StrategyOptions

  @Option(
    help: ArgumentHelp(
      "Layers per pipeline stage, e.g. 2,4,4,2 (--pp counts summing to the model's layers; "
        + "interleave 1). Default: even, larger stages first when --pp does not divide them.",
      valueName: "counts"))
  var stageLayers: String?

  @Flag(
    help: "Keep the vocabulary as it is (default: pad it to a multiple of 128·tp like Megatron-LM)."
  )
  var noVocabPadding = false

  @Option(help: "table or json.")
  var format: OutputFormat = .table

  func validate() throws {
    try SizeLimits.check(devices, "--devices", atMost: SizeLimits.devices)
    try hardware.checkSizes()
    try workload.checkSizes()
    try strategy.checkSizes()
  }

  func run() throws {
    let dataParallel = try strategy.dataParallel(devices: devices)
    let (cluster, defaulted) = try hardware.resolve(devices: devices)
    let model = try reportingUserErrors { try ModelLoader.load(self.model) }
    let globalBatch = workload.batch ?? model.defaults.globalBatchSize
    guard globalBatch > 0 else { throw failure("--batch must be positive") }
    if workload.seq != nil, model.family != .language {
      throw failure("\(model.name) has no sequence dimension (--seq)")
    }
    // The model's dtype, unless the device cannot compute in it (the cpu preset): then fp32.
    var trainingType: DTypePolicy =
      dtype
      ?? (model.defaults.dtype == .fp16 ? .fp16 : model.defaults.dtype == .bf16 ? .bf16 : .fp32)
    if dtype == nil, !cluster.device.supports(trainingType.computePrecision) {
      trainingType = .fp32
    }
    let micro = strategy.microBatch(globalBatch: globalBatch, dataParallel: dataParallel)
    var parallel = strategy.strategy(
      dataParallel: dataParallel, microBatch: micro, dtype: trainingType,
      padsVocabulary: !noVocabPadding)
    parallel.stageLayers = try stageLayers.map(Self.parseStageLayers)
    let evaluation: Evaluation
    do {
      evaluation = try StrategyEvaluator(cluster: cluster).evaluate(
        model: model, globalBatchSize: globalBatch,
        sequenceLength: workload.seq ?? model.defaults.sequenceLength, strategy: parallel)
    } catch {
      throw failure(error.description)
    }
    switch format {
    case .json:
      print(try CostCommandSupport.json(evaluation), terminator: "")
    case .table:
      if defaulted {
        print("cluster: no --gpu or --cluster given; assuming h100-80g with 8 GPUs per node")
      }
      print(EvaluationTable(evaluation, device: cluster.device).text, terminator: "")
    }
  }
}

extension EvaluateCommand {
  /// The counts of `--stage-layers` (`"2,4,4,2"`); range checks are the evaluator's.
  static func parseStageLayers(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    let counts = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, counts.count == parts.count else {
      throw failure(
        "--stage-layers must be comma-separated layer counts (e.g. 2,4,4,2), got '\(text)'")
    }
    return counts
  }
}

extension DTypePolicy: ExpressibleByArgument {}
extension Optimizer: ExpressibleByArgument {}
extension PipelineSchedule: ExpressibleByArgument {}
extension Recomputation: ExpressibleByArgument {}
