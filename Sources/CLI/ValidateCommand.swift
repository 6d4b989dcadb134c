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

  @Option(help: "Devices: data × tensor × pipeline parallel degrees must multiply to it.")
  var devices: Int = 1

  @Flag(
    help: "Instead of a model, measure this machine's GEMM efficiency and all-reduce bandwidth.")
  var benchmark = false

  @Option(help: "Data-parallel degree (default: devices / (tp · pp)).")
  var dp: Int?

  @Option(help: "Tensor-parallel degree.")
  var tp: Int = 1

  @Option(help: "Pipeline stages.")
  var pp: Int = 1

  @Option(help: "Samples per micro-batch (default: the global batch / micro-batches).")
  var microBatchSize: Int?

  @Option(help: "Micro-batches per step.")
  var microBatches: Int = 1

  @Option(help: "Global batch size (default: the model's).")
  var batch: Int?

  @Option(help: "Sequence length (language models; default: the model's own).")
  var seq: Int?

  @Option(help: "Pipeline schedule: gpipe, 1f1b or interleaved-1f1b.")
  var schedule: String = "1f1b"

  @Option(help: "Model chunks per pipeline stage (interleaved schedules).")
  var chunks: Int = 1

  @Option(help: "Activation recomputation: none, selective or full.")
  var recompute: String = "none"

  @Flag(
    help: "Take an Adam step with optimizer state sharded over data-parallel replicas (ZeRO-1).")
  var zero1 = false

  @Option(help: "Timed repetitions of the step; the fastest is reported.")
  var steps: Int = 1

  @Option(help: "Seconds any wait between workers may last before the run fails.")
  var timeout: Double = 120

  @Option(help: "Output format: table or json.")
  var format: OutputFormat = .table

  func validate() throws {
    guard benchmark || model != nil else { throw ValidationError("give a MODEL (or --benchmark)") }
    guard devices > 0, tp > 0, pp > 0, microBatches > 0, steps > 0 else {
      throw ValidationError("--devices, --tp, --pp, --micro-batches and --steps must be positive")
    }
    guard devices % (tp * pp) == 0, (dp ?? devices / (tp * pp)) * tp * pp == devices else {
      throw ValidationError("dp × tp × pp must equal --devices \(devices)")
    }
    guard PipelineSchedule(rawValue: schedule) != nil else {
      throw ValidationError("--schedule must be gpipe, 1f1b or interleaved-1f1b")
    }
    guard chunks > 0 else { throw ValidationError("--chunks must be positive") }
    guard Recomputation(rawValue: recompute) != nil else {
      throw ValidationError("--recompute must be none, selective or full")
    }
  }

  func run() throws {
    if benchmark { return try runBenchmark() }
    let run = try reportingUserErrors { () throws -> ValidationRun in
      let model = try ModelLoader.load(self.model ?? "")
      let dataParallel = dp ?? devices / (tp * pp)
      let global = batch ?? model.defaults.globalBatchSize
      let microBatch = microBatchSize ?? max(global / microBatches, 1)
      var options = ExecutionOptions()
      options.microBatches = microBatches
      options.schedule = PipelineSchedule(rawValue: schedule) ?? .oneFOneB
      options.recomputation = Recomputation(rawValue: recompute) ?? .none
      options.timeout = timeout
      if zero1 {
        options.adam = AdamConfiguration()
        options.zeroStage1 = true
      }
      let graph = try model.graph(batchSize: microBatch, sequenceLength: seq)
      var strategy = Strategy.megatron(
        graph, dataParallel: dataParallel, tensorParallel: tp, stageCount: pp)
      strategy.chunksPerStage = chunks
      let label =
        "dp\(dataParallel)·tp\(tp)·pp\(pp) mb\(microBatch)×\(microBatches) \(schedule) recompute=\(recompute)\(zero1 ? " zero1" : "")"
      do {
        return try Validator.validate(
          model, microBatchSize: microBatch, sequenceLength: seq, strategy: strategy,
          options: options,
          repetitions: steps, label: label)
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
        "strategy", "devices", "predicted", "measured", "wall", "memory", "estimate", "loss",
        "max grad err", "match",
      ]
    ]
    for run in runs {
      rows.append([
        run.strategy, "\(run.devices)",
        run.predictedTimeSeconds.map { String(format: "%.4f s", $0) } ?? "-",
        String(format: "%.4f s", run.measuredTimeSeconds),
        String(format: "%.4f s", run.wallTimeSeconds),
        Formatting.bytes(Double(run.measuredMemoryBytes)),
        Formatting.bytes(Double(run.estimatedMemoryBytes)),
        String(format: "%.5f", run.loss), String(format: "%.1e", run.maxGradientRelativeError),
        run.gradientsMatch ? "yes" : "NO (\(run.worstParameter))",
      ])
    }
    return Formatting.table(rows, rightAligned: [1, 2, 3, 4, 5, 6, 7, 8])
  }
}
