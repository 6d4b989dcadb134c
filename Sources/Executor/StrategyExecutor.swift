import TensorOptCost
import TensorOptGraph

/// The outcome of one training step run under a strategy.
public struct ExecutionResult: Sendable {
  /// The mean loss.
  public var loss: Float
  /// Every parameter's whole gradient, keyed `"step/name"` (e.g. `"layers[0]/fc1/weight"`),
  /// assembled from the workers' shards.
  public var gradients: [String: [Float]]
  /// Every parameter's whole value after the optimizer step (empty without one).
  public var parameters: [String: [Float]]
  /// Each worker's peak bytes held (parameters, gradients, activations, messages).
  public var peakBytes: [Int]
  /// Each worker's timed events.
  public var traces: [WorkerTrace]
  /// Wall seconds of the whole run on this machine.
  public var wallSeconds: Double
  /// The strategy that ran.
  public var strategy: ExecutionStrategy
  /// The options it ran with.
  public var options: ExecutionOptions
}

/// Runs one training step (forward and backward) of a graph under a strategy on
/// one worker thread per device.
public enum StrategyExecutor {
  /// Runs `graph` under `strategy`.
  ///
  /// - Throws: ``ExecutorError/unsupported(_:)`` before anything is allocated when
  ///   a configuration is invalid or an operator is not implemented; a worker's
  ///   error (or a timeout naming the waiting worker) when the run fails.
  public static func run(
    _ graph: Graph, strategy: ExecutionStrategy, options: ExecutionOptions = ExecutionOptions()
  ) throws
    -> ExecutionResult
  {
    let plan = try ExecutionPlan(graph: graph, strategy: strategy)
    guard options.microBatches >= 1 else {
      throw ExecutorError.unsupported("micro-batches must be at least 1")
    }
    if !plan.remoteTies.isEmpty, options.zeroStage >= 1 {
      throw ExecutorError.unsupported(
        "a weight tied across pipeline stages cannot be ZeRO-sharded yet")
    }
    if options.zeroStage >= 3, options.adam == nil {
      throw ExecutorError.unsupported("ZeRO-3 needs an Adam step (options.adam)")
    }
    if plan.chunks > 1, options.schedule != .gpipe, options.microBatches % plan.stageCount != 0 {
      throw ExecutorError.unsupported(
        "interleaved 1F1B needs micro-batches (\(options.microBatches)) divisible by the stages (\(plan.stageCount))"
      )
    }
    let estimate = plan.estimatedPeakBytes(options: options).reduce(0, +)
    let limit = options.memoryLimitBytes ?? MachineMemory.availableBytes().map { $0 / 10 * 8 }
    if let limit, estimate > limit {
      throw ExecutorError.refused(
        "the run needs about \(estimate >> 20) MiB over \(strategy.deviceCount) workers, more than the \(limit >> 20) MiB this machine can give it"
      )
    }
    let run = try WorkerPool.run(count: strategy.deviceCount, timeout: options.timeout) { worker in
      try PipelineWorker(plan: plan, worker: worker, options: options).run()
    }
    let outputs = run.results
    func assemble(_ pick: (PipelineWorkerOutput) -> [String: [Float]], zero: Bool) -> [String:
      [Float]]
    {
      var result: [String: [Float]] = [:]
      for (index, step) in plan.program.steps.enumerated() {
        for spec in plan.steps[index].specs {
          let name = step.name + "/" + spec.name
          var whole = [Float](repeating: 0, count: spec.shape.reduce(1, *))
          var found = false
          for (device, output) in outputs.enumerated() {
            var local: [Float]
            if zero, let group = output.zeroGroups[name] {
              local = group.flatMap {
                outputs.indices.contains($0) ? pick(outputs[$0])[name] ?? [] : []
              }
            } else {
              guard let values = pick(output)[name] else { continue }
              local = values
            }
            let view = StageView(mesh: strategy.mesh, rank: device)
            let block = ShardBlock(
              tensorRank: spec.shape.count, splits: spec.splits, mesh: strategy.mesh,
              device: view.localRank)
            guard local.count == block.localShape(spec.shape).reduce(1, *) else { continue }
            found = true
            whole.withUnsafeMutableBufferPointer { w in
              local.withUnsafeMutableBufferPointer { l in
                guard let wp = w.baseAddress, let lp = l.baseAddress else { return }
                BlockCopy.copy(
                  whole: wp, shape: spec.shape, block: lp, blockShape: block.localShape(spec.shape),
                  offsets: block.offsets(spec.shape), extract: false)
              }
            }
          }
          if found { result[name] = whole }
        }
      }
      return result
    }
    return ExecutionResult(
      loss: outputs.last?.loss ?? .nan, gradients: assemble({ $0.gradients }, zero: true),
      parameters: assemble({ $0.parameters }, zero: options.zeroStage >= 3),
      peakBytes: run.allocators.map(\.peakBytes),
      traces: run.traces, wallSeconds: run.wallSeconds, strategy: strategy, options: options)
  }
}

/// How far a distributed run's loss and gradients are from a reference run's.
///
/// Errors are norm-wise per tensor: `‖a − b‖₂ / max(‖b‖₂, floor·√n)`, where
/// `floor` is a tenth of the root-mean-square of every reference gradient element
/// (at least 1e-12). The floor judges a tensor whose true gradient is zero (a
/// bias before a normalisation, the key bias of attention: fp32 noise in both
/// runs) against the model's gradient scale instead of against its own noise; a
/// tensor of typical magnitude is judged against its own norm. The loss uses
/// `|a − b| / max(|b|, 1e-6)`.
public struct NumericsComparison: Sendable, Hashable {
  /// The loss's relative error.
  public var lossRelativeError: Double
  /// The largest relative error over all parameter gradients.
  public var maxGradientRelativeError: Double
  /// The parameter with that error.
  public var worstParameter: String
  /// The largest relative error over the parameters after the optimizer step
  /// (0 when the runs made no step).
  public var maxParameterRelativeError: Double
  /// Parameters present in one run and not the other.
  public var missingParameters: [String]

  /// Whether everything agrees within `tolerance` (1e-4 by default).
  public func matches(tolerance: Double = 1e-4) -> Bool {
    missingParameters.isEmpty && lossRelativeError <= tolerance
      && maxGradientRelativeError <= tolerance
      && maxParameterRelativeError <= tolerance
  }

  /// Compares `candidate` with `reference`.
  public init(candidate: ExecutionResult, reference: ExecutionResult) {
    lossRelativeError =
      Double(abs(candidate.loss - reference.loss)) / max(Double(abs(reference.loss)), 1e-6)
    if candidate.loss.isNaN || reference.loss.isNaN { lossRelativeError = .infinity }
    maxGradientRelativeError = 0
    maxParameterRelativeError = 0
    worstParameter = ""
    missingParameters = Set(candidate.gradients.keys).symmetricDifference(reference.gradients.keys)
      .sorted()
    var squares = 0.0
    var elements = 0
    for values in reference.gradients.values {
      for value in values { squares += Double(value) * Double(value) }
      elements += values.count
    }
    let gradientFloor = max(0.1 * (squares / Double(max(elements, 1))).squareRoot(), 1e-12)
    for (name, expected) in reference.gradients.sorted(by: { $0.key < $1.key }) {
      guard let actual = candidate.gradients[name] else { continue }
      let error = Self.relativeError(actual, expected, floor: gradientFloor)
      if error > maxGradientRelativeError || worstParameter.isEmpty {
        maxGradientRelativeError = error
        worstParameter = name
      }
    }
    for (name, expected) in reference.parameters {
      guard let actual = candidate.parameters[name] else {
        maxParameterRelativeError = .infinity
        continue
      }
      maxParameterRelativeError = max(
        maxParameterRelativeError, Self.relativeError(actual, expected))
    }
  }

  /// `‖a − b‖₂ / max(‖b‖₂, floor·√n)`; infinite when the lengths differ or a value is NaN.
  public static func relativeError(_ actual: [Float], _ expected: [Float], floor: Double = 1e-6)
    -> Double
  {
    guard actual.count == expected.count else { return .infinity }
    var difference = 0.0
    var norm = 0.0
    for (a, b) in zip(actual, expected) {
      difference += Double(a - b) * Double(a - b)
      norm += Double(b) * Double(b)
    }
    let error =
      difference.squareRoot() / max(norm.squareRoot(), floor * Double(expected.count).squareRoot())
    return error.isNaN ? .infinity : error
  }
}
