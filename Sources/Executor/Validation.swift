import TensorOptCost
import TensorOptGraph

/// One validated strategy: what the executor measured, and how its numerics
/// compare with a single-worker run of the same model and batch.
public struct ValidationRun: Sendable, Codable, Hashable {
  /// A short description of the strategy.
  public var strategy: String
  /// Workers (devices) used.
  public var devices: Int
  /// The planner's predicted iteration time, when a prediction was supplied.
  public var predictedTimeSeconds: Double?
  /// The iteration time N truly parallel devices would see: measured kernel and
  /// transfer durations replayed on the schedule's dependency graph.
  public var measuredTimeSeconds: Double
  /// Wall time of the run on this machine.
  public var wallTimeSeconds: Double
  /// The planner's predicted compute time (forward, backward, recomputation,
  /// optimizer step of the slowest stage), when supplied.
  public var predictedComputeSeconds: Double?
  /// In the replayed step, the compute time (thread CPU) of the worker that
  /// finishes last.
  public var measuredComputeSeconds: Double
  /// In the replayed step, the time the worker that finishes last spends inside
  /// transfers on its own timeline (copying and reducing; waiting, and the
  /// gradient synchronisation overlapped with compute, excluded). The rest of
  /// its iteration time it waits for other workers or its overlapped transfers.
  public var measuredTransferSeconds: Double
  /// The planner's predicted peak bytes per device, when supplied.
  public var predictedMemoryBytes: Double?
  /// The executor's own pre-run estimate of the largest worker's peak bytes.
  public var estimatedMemoryBytes: Int
  /// The largest worker's peak bytes, counted by its allocator.
  public var measuredMemoryBytes: Int
  /// The distributed loss.
  public var loss: Double
  /// Whether loss and every gradient match the single-worker run within 1e-4.
  public var gradientsMatch: Bool
  /// The loss's relative error.
  public var lossRelativeError: Double
  /// The largest norm-wise relative error of a parameter gradient.
  public var maxGradientRelativeError: Double
  /// The parameter with that error.
  public var worstParameter: String

  enum CodingKeys: String, CodingKey {
    case strategy, devices, loss
    case predictedTimeSeconds = "predicted_time_s"
    case measuredTimeSeconds = "measured_time_s"
    case wallTimeSeconds = "wall_time_s"
    case predictedComputeSeconds = "predicted_compute_s"
    case measuredComputeSeconds = "measured_compute_s"
    case measuredTransferSeconds = "measured_transfer_s"
    case predictedMemoryBytes = "predicted_memory_bytes"
    case estimatedMemoryBytes = "estimated_memory_bytes"
    case measuredMemoryBytes = "measured_memory_bytes"
    case gradientsMatch = "gradients_match"
    case lossRelativeError = "loss_rel_error"
    case maxGradientRelativeError = "max_gradient_rel_error"
    case worstParameter = "worst_parameter"
  }

  /// Encodes every key, absent predictions as `null`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(strategy, forKey: .strategy)
    try container.encode(devices, forKey: .devices)
    try container.encode(predictedTimeSeconds, forKey: .predictedTimeSeconds)
    try container.encode(measuredTimeSeconds, forKey: .measuredTimeSeconds)
    try container.encode(wallTimeSeconds, forKey: .wallTimeSeconds)
    try container.encode(predictedComputeSeconds, forKey: .predictedComputeSeconds)
    try container.encode(measuredComputeSeconds, forKey: .measuredComputeSeconds)
    try container.encode(measuredTransferSeconds, forKey: .measuredTransferSeconds)
    try container.encode(predictedMemoryBytes, forKey: .predictedMemoryBytes)
    try container.encode(estimatedMemoryBytes, forKey: .estimatedMemoryBytes)
    try container.encode(measuredMemoryBytes, forKey: .measuredMemoryBytes)
    try container.encode(loss, forKey: .loss)
    try container.encode(gradientsMatch, forKey: .gradientsMatch)
    try container.encode(lossRelativeError, forKey: .lossRelativeError)
    try container.encode(maxGradientRelativeError, forKey: .maxGradientRelativeError)
    try container.encode(worstParameter, forKey: .worstParameter)
  }
}

/// Runs a strategy and a single-worker reference and reports the comparison.
public enum Validator {
  /// Validates `strategy` on `model`: the distributed run uses micro-batches of
  /// `microBatchSize` samples, `options.microBatches` of them; the reference runs
  /// the whole batch on one worker.
  ///
  /// - Parameters:
  ///   - repetitions: timed runs of the step; the reported times are the
  ///     fastest (numerics are checked on the first), and the compute and
  ///     transfer split is that of the fastest replayed step.
  ///   - predictedCompute: the planner's compute seconds, reported beside the
  ///     measured compute.
  public static func validate(
    _ model: Model, microBatchSize: Int, sequenceLength: Int?, strategy: ExecutionStrategy,
    options: ExecutionOptions,
    repetitions: Int = 1, predictedTime: Double? = nil, predictedMemory: Double? = nil,
    predictedCompute: Double? = nil, label: String
  ) throws -> ValidationRun {
    let graph = try model.graph(batchSize: microBatchSize, sequenceLength: sequenceLength)
    let wholeBatch = try model.graph(
      batchSize: microBatchSize * options.microBatches, sequenceLength: sequenceLength)
    let plan = try ExecutionPlan(graph: graph, strategy: strategy)
    let estimates = plan.estimatedPeakBytes(options: options)
    let estimate = estimates.max() ?? 0
    var referenceOptions = ExecutionOptions()
    referenceOptions.seed = options.seed
    referenceOptions.timeout = options.timeout
    referenceOptions.memoryLimitBytes = options.memoryLimitBytes
    let referenceEstimate =
      try ExecutionPlan(graph: wholeBatch, strategy: .singleDevice).estimatedPeakBytes(
        options: referenceOptions
      ).max() ?? 0
    if let limit = options.memoryLimitBytes ?? MachineMemory.availableBytes().map({ $0 / 10 * 8 }) {
      let total = estimates.saturatingSum
      if total > limit || referenceEstimate > limit {
        throw ExecutorError.refused(
          "\(model.name) is too large for this machine: the \(strategy.deviceCount)-worker run needs about \(total >> 20) MiB and the single-worker reference about \(referenceEstimate >> 20) MiB, but only \(limit >> 20) MiB can be given (try a smaller --batch or --seq)"
        )
      }
    }
    let reference = try StrategyExecutor.run(
      wholeBatch, strategy: .singleDevice, options: referenceOptions)
    var result = try StrategyExecutor.run(graph, strategy: strategy, options: options)
    let comparison = NumericsComparison(candidate: result, reference: reference)
    var fastest = try TraceReplay(traces: result.traces)
    var wall = result.wallSeconds
    for _ in 1..<max(repetitions, 1) {
      result = try StrategyExecutor.run(graph, strategy: strategy, options: options)
      let replay = try TraceReplay(traces: result.traces)
      if replay.iterationSeconds < fastest.iterationSeconds { fastest = replay }
      wall = min(wall, result.wallSeconds)
    }
    // The worker whose finish is the iteration time (the first such, by rank).
    let last = fastest.finishSeconds.firstIndex(of: fastest.iterationSeconds)
    return ValidationRun(
      strategy: label, devices: strategy.deviceCount, predictedTimeSeconds: predictedTime,
      measuredTimeSeconds: fastest.iterationSeconds, wallTimeSeconds: wall,
      predictedComputeSeconds: predictedCompute,
      measuredComputeSeconds: last.map { fastest.computeSeconds[$0] } ?? 0,
      measuredTransferSeconds: last.map { fastest.blockingTransferSeconds[$0] } ?? 0,
      predictedMemoryBytes: predictedMemory,
      estimatedMemoryBytes: estimate, measuredMemoryBytes: result.peakBytes.max() ?? 0,
      loss: Double(result.loss),
      gradientsMatch: comparison.matches(), lossRelativeError: comparison.lossRelativeError,
      maxGradientRelativeError: comparison.maxGradientRelativeError,
      worstParameter: comparison.worstParameter)
  }
}
