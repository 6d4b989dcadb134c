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
      """)

  @Argument(help: "A zoo name, a model.json path, or a Hugging Face config.json path.")
  var model: String?

  @Option(help: "Devices in total (worker threads).")
  var devices: Int = 1

  @Flag(
    help: "Instead of a model, measure this machine's GEMM efficiency and all-reduce bandwidth.")
  var benchmark = false

  @Option(
    help:
      "Device preset the prediction uses: cpu (default; the `profile` cache when present), v100-32g, a100-40g, a100-80g, h100-80g."
  )
  var gpu: String = "cpu"

  @Option(help: "GPUs per node for --gpu.")
  var gpusPerNode = 8

  @Option(help: "A cluster file (tensoropt-cluster/1) for the prediction.")
  var cluster: String?

  @Option(help: "Global batch size (default: the model's).")
  var batch: Int?

  @Option(help: "Sequence length (default: the model's).")
  var seq: Int?

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
    help: "ZeRO stage: 0, 1 (Adam state sharded), 2 (gradients too) or 3 (parameters too).")
  var zero = 0

  @Option(help: "adam or sgd (with momentum).")
  var optimizer: Optimizer = .adam

  @Option(help: "Timed repetitions of the step; the fastest is reported.")
  var steps: Int = 1

  @Option(help: "Seconds any wait between workers may last before the run fails.")
  var timeout: Double = 120

  @Option(help: "Output format: table or json.")
  var format: OutputFormat = .table

  func validate() throws {
    guard benchmark || model != nil else { throw ValidationError("give a MODEL (or --benchmark)") }
    guard devices > 0, tp > 0, pp > 0, interleave > 0, steps > 0 else {
      throw ValidationError("--devices, --tp, --pp, --interleave and --steps must be positive")
    }
    guard devices % (tp * pp) == 0, (dp ?? devices / (tp * pp)) * tp * pp == devices else {
      throw ValidationError("dp × tp × pp must equal --devices \(devices)")
    }
    guard zero == 0 || optimizer == .adam else {
      throw ValidationError("--zero: the executor shards Adam's state only (use --optimizer adam)")
    }
    guard (0...3).contains(zero) else {
      throw ValidationError("--zero must be 0, 1, 2 or 3")
    }
  }

  func run() throws {
    if benchmark { return try runBenchmark() }
    let run = try reportingUserErrors { () throws -> ValidationRun in
      let model = try ModelLoader.load(self.model ?? "")
      let dataParallel = dp ?? devices / (tp * pp)
      let global = batch ?? model.defaults.globalBatchSize
      let micro = microbatch ?? (pp == 1 ? max(global / dataParallel, 1) : 1)
      guard micro > 0, global % (micro * dataParallel) == 0 else {
        throw failure(
          "--batch \(global) is not a multiple of microbatch × dp = \(micro * dataParallel)")
      }
      var options = ExecutionOptions()
      options.microBatches = global / (micro * dataParallel)
      options.schedule = schedule
      options.recomputation = recompute
      options.timeout = timeout
      if optimizer == .adam {
        options.adam = AdamConfiguration()
      } else {
        options.sgd = SGDConfiguration()
      }
      options.zeroStage = zero
      // The executor's graph holds one micro-batch of every data-parallel replica.
      let graph = try model.graph(batchSize: micro * dataParallel, sequenceLength: seq)
      var strategy = ExecutionStrategy.megatron(
        graph, dataParallel: dataParallel, tensorParallel: tp, stageCount: pp,
        sequenceParallel: sequenceParallel)
      strategy.chunksPerStage = interleave
      let prediction = try? predict(
        model, globalBatch: global, micro: micro, dataParallel: dataParallel)
      let label =
        "dp\(dataParallel)·tp\(tp)·pp\(pp)\(interleave > 1 ? "×\(interleave)" : "") mb\(micro)×\(options.microBatches) \(schedule.rawValue) recompute=\(recompute.rawValue) zero\(zero)\(sequenceParallel ? " sp" : "")"
      do {
        return try Validator.validate(
          model, microBatchSize: micro * dataParallel, sequenceLength: seq, strategy: strategy,
          options: options,
          repetitions: steps, predictedTime: prediction?.timeS,
          predictedMemory: prediction?.memoryBytes, label: label)
      } catch let error as ExecutorError {
        throw failure(error.description)
      }
    }
    switch format {
    case .json:
      struct Report: Encodable { var runs: [ValidationRun] }
      print(try jsonText(Report(runs: [run])), terminator: "")
    case .table:
      print(Self.table([run]), terminator: "")
    }
    if !run.gradientsMatch { throw ExitCode(1) }
  }

  /// The cost model's figures for the same strategy (fp32, Adam, no vocabulary padding: the model the executor runs).
  private func predict(_ model: Model, globalBatch: Int, micro: Int, dataParallel: Int) throws
    -> Evaluation
  {
    let (hardware, _) = try CostCommandSupport.cluster(
      gpu: cluster == nil ? gpu : nil, gpusPerNode: gpusPerNode, clusterFile: cluster,
      devices: devices)
    let strategy = ParallelStrategy(
      dataParallel: dataParallel, tensorParallel: tp, pipelineStages: pp, microBatchSize: micro,
      schedule: schedule,
      interleave: interleave, recomputation: recompute, sequenceParallel: sequenceParallel,
      zeroStage: zero,
      dtype: .fp32,
      optimizer: optimizer, padsVocabulary: false)
    return try StrategyEvaluator(cluster: hardware).evaluate(
      model: model, globalBatchSize: globalBatch,
      sequenceLength: seq ?? model.defaults.sequenceLength,
      strategy: strategy)
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
