import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt validate`: run a strategy on CPU worker threads and compare it with one worker.
struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract:
      "Run a parallel strategy on CPU worker threads and check it against a single-worker run.",
    discussion: """
      N worker threads play N devices with real OpenBLAS kernels and real collectives. The \
      strategy is data × tensor (Megatron-style, derived for any graph) × pipeline parallel. \
      Reported: the iteration time N truly parallel devices would see (measured kernel and \
      transfer durations replayed on the schedule), wall time, each worker's peak memory, and \
      whether the loss and every gradient match one worker (relative error ≤ 1e-4).

      With --plan, the strategies come from a plan file instead (frontier point --pick, or \
      every point with --all); plan with `--gpu cpu` so the predictions describe this machine.
      """)

  @Argument(help: "A zoo name, a model.json path, or a Hugging Face config.json path.")
  var model: String?

  @Option(
    help: "Devices in total (worker threads); with --plan, which result (default: the largest).")
  var devices: Int?

  @Option(help: "Validate strategies of this plan file (tensoropt-plan/1) instead of a MODEL.")
  var plan: String?

  @Option(
    help: "With --plan: the frontier point, 1 = fastest (as numbered by `plan` and `report`).")
  var pick = 1

  @Flag(help: "With --plan: validate every frontier point.")
  var all = false

  @Flag(
    help: "Instead of a model, measure this machine's GEMM efficiency and all-reduce bandwidth.")
  var benchmark = false

  @OptionGroup(
    title:
      "Hardware the prediction uses (default: the cpu preset, from `tensoropt profile` when cached)"
  )
  var hardware: ClusterOptions

  @OptionGroup(title: "Workload") var workload: WorkloadOptions

  @OptionGroup(title: "Strategy") var strategy: StrategyOptions

  @Option(help: "Timed repetitions of the step; the fastest is reported.")
  var steps: Int = 1

  @Option(help: "Seconds any wait between workers may last before the run fails.")
  var timeout: Double = 120

  @Option(help: "Output format: table or json.")
  var format: OutputFormat = .table

  func validate() throws {
    guard benchmark || (model != nil) != (plan != nil) else {
      throw ValidationError("give a MODEL or --plan FILE (or --benchmark)")
    }
    guard plan != nil || (pick == 1 && !all) else {
      throw ValidationError("--pick and --all need --plan")
    }
    guard !(all && pick != 1) else { throw ValidationError("give --pick or --all, not both") }
    try SizeLimits.check(devices, "--devices", atMost: SizeLimits.workers)
    try SizeLimits.check(steps, "--steps", atMost: SizeLimits.degree)
    try hardware.checkSizes()
    try workload.checkSizes()
    try strategy.checkSizes()
    guard steps > 0 else { throw ValidationError("--steps must be positive") }
    guard strategy.zero == 0 || strategy.optimizer == .adam else {
      throw ValidationError("--zero: the executor shards Adam's state only (use --optimizer adam)")
    }
  }

  func run() throws {
    if benchmark { return try runBenchmark() }
    if let plan { return try runPlan(plan) }
    let devices = self.devices ?? 1
    let run = try reportingUserErrors { () throws -> ValidationRun in
      let dataParallel = try strategy.dataParallel(devices: devices)
      let model = try ModelLoader.load(self.model ?? "")
      let global = workload.batch ?? model.defaults.globalBatchSize
      let micro = strategy.microBatch(globalBatch: global, dataParallel: dataParallel)
      guard micro > 0, global % (micro * dataParallel) == 0 else {
        throw failure(
          "--batch \(global) is not a multiple of microbatch × dp = \(micro * dataParallel)")
      }
      var options = ExecutionOptions()
      options.microBatches = global / (micro * dataParallel)
      options.schedule = strategy.schedule
      options.recomputation = strategy.recompute
      options.timeout = timeout
      if strategy.optimizer == .adam {
        options.adam = AdamConfiguration()
      } else {
        options.sgd = SGDConfiguration()
      }
      options.zeroStage = strategy.zero
      // The executor's graph holds one micro-batch of every data-parallel replica.
      let graph = try model.graph(batchSize: micro * dataParallel, sequenceLength: workload.seq)
      var execution = ExecutionStrategy.megatron(
        graph, dataParallel: dataParallel, tensorParallel: strategy.tp, stageCount: strategy.pp,
        sequenceParallel: strategy.sequenceParallel)
      execution.chunksPerStage = strategy.interleave
      let prediction = try? predict(
        model, devices: devices, globalBatch: global, micro: micro, dataParallel: dataParallel)
      let label = strategy.label(
        dataParallel: dataParallel, microBatch: micro, microBatches: options.microBatches)
      do {
        return try Validator.validate(
          model, microBatchSize: micro * dataParallel, sequenceLength: workload.seq,
          strategy: execution,
          options: options,
          repetitions: steps, predictedTime: prediction?.timeS,
          predictedMemory: prediction?.memoryBytes,
          predictedCompute: prediction.map { PlanTimeBreakdown($0.breakdown.time).computeS },
          label: label)
      } catch let error as ExecutorError {
        throw failure(error.description)
      }
    }
    try emit([run])
  }

  /// The cost model's figures for the same strategy (fp32, Adam, no vocabulary padding: the model the executor runs).
  private func predict(
    _ model: Model, devices: Int, globalBatch: Int, micro: Int, dataParallel: Int
  ) throws
    -> Evaluation
  {
    let (cluster, _) = try hardware.resolve(devices: devices, defaultPreset: "cpu")
    return try StrategyEvaluator(cluster: cluster).evaluate(
      model: model, globalBatchSize: globalBatch,
      sequenceLength: workload.seq ?? model.defaults.sequenceLength,
      strategy: strategy.strategy(
        dataParallel: dataParallel, microBatch: micro, dtype: .fp32, padsVocabulary: false))
  }

  private func runBenchmark() throws {
    for size in [256, 512, 1024, 2048] {
      let gemm = try ExecutorBenchmark.gemm(size: size, repetitions: size >= 1024 ? 3 : 10)
      print(
        String(
          format: "sgemm %4d: direct %.1f GFLOP/s, executor %.1f GFLOP/s (%.0f%%)", size,
          gemm.directGFLOPS,
          gemm.executorGFLOPS, 100 * gemm.efficiency))
    }
    for workers in [2, 4] {
      let result = try ExecutorBenchmark.allReduce(workers: workers, bytes: 64 << 20)
      print(
        String(
          format:
            "all-reduce %d workers, 64 MiB: bus %.2f GB/s wall (%.0f%% of memcpy %.2f GB/s), %.2f GB/s per-core CPU time (%.0f%%)",
          workers, result.busGBps, 100 * result.ratio, result.memcpyGBps, result.busGBpsCPU,
          100 * result.ratioCPU))
    }
  }

  static func table(_ runs: [ValidationRun]) -> String {
    var rows = [
      [
        "strategy", "devices", "predicted", "measured", "wall", "predicted mem", "measured mem",
        "estimate", "loss",
        "max grad err", "match",
      ]
    ]
    for run in runs {
      rows.append([
        run.strategy, "\(run.devices)",
        run.predictedTimeSeconds.map { String(format: "%.4f s", $0) } ?? "-",
        String(format: "%.4f s", run.measuredTimeSeconds),
        String(format: "%.4f s", run.wallTimeSeconds),
        run.predictedMemoryBytes.map { Formatting.bytes($0) } ?? "-",
        Formatting.bytes(Double(run.measuredMemoryBytes)),
        Formatting.bytes(Double(run.estimatedMemoryBytes)), String(format: "%.5f", run.loss),
        String(format: "%.1e", run.maxGradientRelativeError),
        run.gradientsMatch ? "yes" : "NO (\(run.worstParameter))",
      ])
    }
    return Formatting.table(rows, rightAligned: [1, 2, 3, 4, 5, 6, 7, 8, 9])
  }

}
