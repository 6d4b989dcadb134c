import TensorOptGraph

/// The outcome of one training step run under a strategy.
public struct ExecutionResult: Sendable {
  /// The mean loss.
  public var loss: Float
  /// Every parameter's whole gradient, keyed `"step/name"` (e.g. `"layers[0]/fc1/weight"`),
  /// assembled from the workers' shards.
  public var gradients: [String: [Float]]
  /// Each worker's peak bytes held (parameters, gradients, activations, messages).
  public var peakBytes: [Int]
  /// Each worker's timed events.
  public var traces: [WorkerTrace]
  /// Wall seconds of the whole run on this machine.
  public var wallSeconds: Double
  /// The strategy that ran.
  public var strategy: Strategy
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
    _ graph: Graph, strategy: Strategy, options: ExecutionOptions = ExecutionOptions()
  ) throws
    -> ExecutionResult
  {
    let plan = try ExecutionPlan(graph: graph, strategy: strategy)
    let seed = options.seed
    let run = try WorkerPool.run(count: strategy.mesh.deviceCount, timeout: options.timeout) {
      worker in
      try StageWorker(plan: plan, worker: worker, seed: seed).run()
    }
    var gradients: [String: [Float]] = [:]
    for (index, step) in plan.program.steps.enumerated() {
      for spec in plan.steps[index].specs {
        let name = step.name + "/" + spec.name
        var whole = [Float](repeating: 0, count: spec.shape.reduce(1, *))
        for (device, output) in run.results.enumerated() {
          guard var local = output.gradients[name] else { continue }
          let block = ShardBlock(
            tensorRank: spec.shape.count, splits: spec.splits, mesh: strategy.mesh, device: device)
          whole.withUnsafeMutableBufferPointer { w in
            local.withUnsafeMutableBufferPointer { l in
              guard let wp = w.baseAddress, let lp = l.baseAddress else { return }
              BlockCopy.copy(
                whole: wp, shape: spec.shape, block: lp, blockShape: block.localShape(spec.shape),
                offsets: block.offsets(spec.shape), extract: false)
            }
          }
        }
        gradients[name] = whole
      }
    }
    return ExecutionResult(
      loss: run.results.first?.loss ?? .nan, gradients: gradients,
      peakBytes: run.allocators.map(\.peakBytes),
      traces: run.traces, wallSeconds: run.wallSeconds, strategy: strategy)
  }
}

/// How far a distributed run's loss and gradients are from a reference run's.
///
/// Errors are norm-wise per tensor: `‖a − b‖₂ / max(‖b‖₂, 1e-6·√n)` (the floor
/// keeps all-zero reference gradients from dividing by zero); the loss uses
/// `|a − b| / max(|b|, 1e-6)`.
public struct NumericsComparison: Sendable, Hashable {
  /// The loss's relative error.
  public var lossRelativeError: Double
  /// The largest relative error over all parameter gradients.
  public var maxGradientRelativeError: Double
  /// The parameter with that error.
  public var worstParameter: String
  /// Parameters present in one run and not the other.
  public var missingParameters: [String]

  /// Whether everything agrees within `tolerance` (1e-4 by default).
  public func matches(tolerance: Double = 1e-4) -> Bool {
    missingParameters.isEmpty && lossRelativeError <= tolerance
      && maxGradientRelativeError <= tolerance
  }

  /// Compares `candidate` with `reference`.
  public init(candidate: ExecutionResult, reference: ExecutionResult) {
    lossRelativeError =
      Double(abs(candidate.loss - reference.loss)) / max(Double(abs(reference.loss)), 1e-6)
    if candidate.loss.isNaN || reference.loss.isNaN { lossRelativeError = .infinity }
    maxGradientRelativeError = 0
    worstParameter = ""
    missingParameters = Set(candidate.gradients.keys).symmetricDifference(reference.gradients.keys)
      .sorted()
    for (name, expected) in reference.gradients.sorted(by: { $0.key < $1.key }) {
      guard let actual = candidate.gradients[name], actual.count == expected.count else { continue }
      var difference = 0.0
      var norm = 0.0
      for (a, b) in zip(actual, expected) {
        difference += Double(a - b) * Double(a - b)
        norm += Double(b) * Double(b)
      }
      var error =
        difference.squareRoot() / max(norm.squareRoot(), 1e-6 * Double(expected.count).squareRoot())
      if error.isNaN { error = .infinity }
      if error > maxGradientRelativeError || worstParameter.isEmpty {
        maxGradientRelativeError = error
        worstParameter = name
      }
    }
  }
}
