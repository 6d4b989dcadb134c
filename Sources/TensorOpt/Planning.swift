import Foundation
import TensorOptCost
import TensorOptExecutor
import TensorOptGraph
import TensorOptImport
import TensorOptPlan
import TensorOptReport

/// The library entry points for training scripts: load a model, describe a
/// cluster, plan, evaluate, validate and export — the command-line tool's
/// commands as functions.
///
/// ```swift
/// import TensorOpt
/// let model = try Planning.model("gpt2")
/// let cluster = Planning.cluster(.a100With80GB, devices: 8)
/// let cost = try Planning.evaluate(model, on: cluster, strategy: ParallelStrategy(dataParallel: 8, microBatchSize: 4))
/// ```
public enum Planning {
  /// Loads a model: a zoo name (`"gpt2"`), a `model.json`, or a Hugging Face `config.json`.
  ///
  /// - Throws: `ModelLoadError` naming the file and field when it cannot be read.
  public static func model(_ source: String) throws -> Model {
    try ModelLoader.load(source)
  }

  /// A preset cluster of `devices` devices, `devicesPerNode` per node.
  public static func cluster(_ preset: ClusterPreset, devices: Int, devicesPerNode: Int = 8)
    -> Cluster
  {
    preset.cluster(devices: devices, devicesPerNode: devicesPerNode)
  }

  /// The cluster described by a `tensoropt-cluster/1` file, with `devices`
  /// devices (all of the file's when `nil`).
  ///
  /// - Throws: `ClusterFileError` naming the file and field.
  public static func cluster(file path: String, devices: Int? = nil) throws -> Cluster {
    let cluster = try Cluster.load(contentsOf: path)
    return devices.map { cluster.withDeviceCount($0) } ?? cluster
  }

  /// Reads a plan file written by `tensoropt plan --output`.
  ///
  /// - Throws: `PlanFileError` naming the file and field.
  public static func plan(contentsOf path: String) throws -> PlanFile {
    try PlanFile.load(contentsOf: path)
  }

  /// Plans `model` on `cluster` for each of `devices` and returns the plan file
  /// (what `tensoropt plan --output` writes); query it with ``PlanFrontier``.
  ///
  /// It blocks the calling thread until the planner, running on threads of its
  /// own, finishes; from async code prefer `Planner(request).results(deviceCounts:)`,
  /// which does not hold a thread while it waits.
  ///
  /// - Parameters:
  ///   - source: what names the model (zoo name or path), recorded in the plan
  ///     so that `export` can cost nearest plans; defaults to the model's source.
  ///   - devices: the device counts, one frontier each; `cluster` is resized to each.
  ///   - batch: global batch size (default: the model's).
  ///   - seq: sequence length (default: the model's).
  ///   - memoryLimitBytes: the bytes a device may use (default: its capacity).
  ///   - threads: worker threads (default: every core); the result does not depend on it.
  /// - Throws: ``PlanningError`` when the model cannot be built or nothing can run.
  public static func plan(
    _ model: Model, source: String? = nil, on cluster: Cluster, devices: [Int],
    batch: Int? = nil, seq: Int? = nil, dtype: DTypePolicy = .bf16, optimizer: Optimizer = .adam,
    memoryLimitBytes: Double? = nil, threads: Int? = nil
  ) throws -> PlanFile {
    let counts = Array(Set(devices)).sorted()
    guard let largest = counts.last, counts.allSatisfy({ $0 > 0 }) else {
      throw PlanningError("devices must be positive counts, got \(devices)")
    }
    let request = PlanRequest(
      model: model, modelSource: source ?? model.source, cluster: cluster.withDeviceCount(largest),
      batch: batch, seq: seq, dtype: dtype, optimizer: optimizer,
      memoryLimitBytes: memoryLimitBytes,
      threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
    let planner = Planner(request)
    var results: [PlanResult] = []
    for count in counts {
      do {
        results.append(try planner.frontier(devices: count))
      } catch {
        throw PlanningError(error.message)
      }
    }
    return PlanFile(
      model: planner.plannedModel,
      cluster: PlannedCluster(cluster: cluster.withDeviceCount(largest), preset: nil),
      settings: PlanSettings(devices: counts, memoryLimitBytes: memoryLimitBytes),
      results: results)
  }

  /// The predicted cost of one uniform strategy (what `tensoropt evaluate` prints).
  ///
  /// - Throws: `StrategyError` when the strategy is impossible on `cluster`.
  public static func evaluate(
    _ model: Model, on cluster: Cluster, strategy: ParallelStrategy, batch: Int? = nil,
    seq: Int? = nil
  ) throws -> Evaluation {
    try StrategyEvaluator(cluster: cluster.withDeviceCount(strategy.deviceCount)).evaluate(
      model: model, globalBatchSize: batch ?? model.defaults.globalBatchSize,
      sequenceLength: model.family == .language ? (seq ?? model.defaults.sequenceLength) : nil,
      strategy: strategy)
  }

  /// Runs `strategy` in the in-process executor (one CPU worker thread per
  /// device) and compares its loss and gradients with a single-worker run
  /// (what `tensoropt validate` does). Use a small model, batch and sequence.
  ///
  /// - Throws: the executor's errors (e.g. a run too large for this machine).
  public static func validate(
    _ model: Model, strategy: ParallelStrategy, batch: Int, seq: Int? = nil
  ) throws -> ValidationRun {
    let s = strategy
    var options = ExecutionOptions()
    options.microBatches = batch / (s.microBatchSize * s.dataParallel)
    options.schedule = s.schedule
    options.recomputation = s.recomputation
    options.zeroStage = s.zeroStage
    if s.optimizer == .adam {
      options.adam = AdamConfiguration()
    } else {
      options.sgd = SGDConfiguration()
    }
    let sequence = model.family == .language ? (seq ?? model.defaults.sequenceLength) : nil
    let graph = try model.graph(
      batchSize: s.microBatchSize * s.dataParallel, sequenceLength: sequence)
    var execution = ExecutionStrategy.megatron(
      graph, dataParallel: s.dataParallel, tensorParallel: s.tensorParallel,
      stageCount: s.pipelineStages, sequenceParallel: s.sequenceParallel)
    execution.chunksPerStage = s.interleave
    return try Validator.validate(
      model, microBatchSize: s.microBatchSize * s.dataParallel, sequenceLength: sequence,
      strategy: execution, options: options,
      label: PlanStrategy.summary(
        of: PlanStrategy(
          dp: s.dataParallel, tp: s.tensorParallel, pp: s.pipelineStages,
          microbatch: s.microBatchSize, microBatches: options.microBatches, schedule: s.schedule,
          interleave: s.interleave, recompute: s.recomputation, zero: s.zeroStage,
          sequenceParallel: s.sequenceParallel, stageMesh: [s.dataParallel, s.tensorParallel],
          uniformLayout: true, stages: [])))
  }

  /// Frontier point `entry` of `plan` as a configuration for `target`.
  public static func export(_ entry: PlanEntry, of plan: PlanFile, to target: ExportTarget)
    -> TrainingExport
  {
    TrainingExporter.export(plan, entry: entry, to: target)
  }
}

/// Why a library call cannot run.
public struct PlanningError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A one-line explanation.
  public var message: String

  /// Creates an error.
  public init(_ message: String) { self.message = message }

  /// The message.
  public var description: String { message }
}
