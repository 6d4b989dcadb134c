import TensorOptCost
import TensorOptGraph

/// The full planner: the outer search over mesh factorisations, micro-batching,
/// schedules, recomputation, sequence parallelism and ZeRO, each combination
/// costed by `StrategyEvaluator` (exactly what `evaluate` reports), and the
/// Pareto frontier of (iteration time, peak memory per device).
///
/// Results are identical for any ``PlanRequest/threads``.
public struct Planner: Sendable {
  /// What to plan.
  public var request: PlanRequest

  /// Creates a planner.
  public init(_ request: PlanRequest) { self.request = request }

  /// The frontier on `devices` devices.
  ///
  /// - Parameter progress: called with the number of combinations finished since
  ///   the last call and the total, from any thread.
  /// - Throws: ``PlanError`` when the model cannot be built or nothing can run.
  public func result(
    devices: Int, progress: (@Sendable (_ finished: Int, _ total: Int) -> Void)? = nil
  ) async throws(PlanError) -> PlanResult {
    guard devices > 0 else { throw PlanError("--devices must be positive, got \(devices)") }
    let base: Graph
    do {
      base = try request.model.graph(batchSize: 1, sequenceLength: request.seq)
    } catch {
      throw PlanError("cannot build \(request.model.name): \(error)")
    }
    let space = OuterSpace(request: request, devices: devices, layers: base.layerCount)
    let graphs = try await GraphCache.build(for: space.strategies, request: request)
    let cluster = request.cluster.withDeviceCount(devices)
    let evaluator = StrategyEvaluator(cluster: cluster)
    let request = self.request
    let total = space.strategies.count
    let strategies = space.strategies
    var finished: (@Sendable (Int) -> Void)? = nil
    if let progress { finished = { progress($0, total) } }
    let evaluations = await ParallelMap.map(
      count: total, threads: request.threads, progress: finished
    ) { index -> Evaluation? in
      let s = strategies[index]
      guard let graph = graphs.graph(for: s) else { return nil }
      let m = request.batch / (s.dataParallel * s.microBatchSize)
      return evaluator.evaluate(
        graph: graph, modelName: request.model.name, family: request.model.family,
        globalBatchSize: request.batch, sequenceLength: request.seq, microBatches: m, strategy: s)
    }
    let limit = request.memoryLimit
    var fitting: [Int] = []
    var overLimit: [Int] = []
    for (index, evaluation) in evaluations.enumerated() {
      guard let evaluation, evaluation.timeS.isFinite else { continue }
      if evaluation.memoryBytes <= limit { fitting.append(index) } else { overLimit.append(index) }
    }
    func cost(_ index: Int) -> (Double, Double) {
      (evaluations[index]?.timeS ?? .infinity, evaluations[index]?.memoryBytes ?? .infinity)
    }
    let front = ParetoSet.indices(fitting, cost: cost)
    let infeasible = ParetoSet.indices(overLimit, cost: cost)
    func entry(_ index: Int) -> PlanEntry? {
      guard let evaluation = evaluations[index], let graph = graphs.graph(for: strategies[index])
      else { return nil }
      return PlanEntry(
        timeS: evaluation.timeS, memoryBytes: evaluation.memoryBytes, memoryLimitBytes: limit,
        throughput: evaluation.throughput, breakdown: PlanBreakdown(evaluation.breakdown),
        strategy: .uniform(
          strategies[index], graph: graph, microBatches: evaluation.microBatches))
    }
    let chosen = Set(front).union(infeasible)
    let others = (fitting + overLimit).filter { !chosen.contains($0) }
    let candidates = ParetoSet.sample(others, limit: request.candidateLimit, cost: cost).compactMap
    {
      index -> PlanCandidate? in
      guard let evaluation = evaluations[index] else { return nil }
      return PlanCandidate(
        timeS: evaluation.timeS, memoryBytes: evaluation.memoryBytes,
        fits: evaluation.memoryBytes <= limit,
        summary: PlanStrategy.summary(of: strategies[index], microBatches: evaluation.microBatches))
    }
    var pruned = space.pruned
    let unbuilt = evaluations.filter { $0 == nil }.count
    if unbuilt > 0 { pruned["graph cannot be built", default: 0] += unbuilt }
    return PlanResult(
      devices: devices, frontier: front.compactMap(entry), infeasible: infeasible.compactMap(entry),
      candidates: candidates,
      statistics: PlanStatistics(
        combinations: space.enumerated, evaluated: total - unbuilt, pruned: pruned,
        stageSearches: 0))
  }

  /// The results for every device count of `deviceCounts`, by increasing count.
  public func results(
    deviceCounts: [Int], progress: (@Sendable (_ finished: Int, _ total: Int) -> Void)? = nil
  ) async throws(PlanError) -> [PlanResult] {
    var results: [PlanResult] = []
    for devices in Set(deviceCounts).sorted() {
      results.append(try await result(devices: devices, progress: progress))
    }
    return results
  }
}

/// Why planning failed.
public struct PlanError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A one-line explanation.
  public var message: String

  /// Creates an error.
  public init(_ message: String) { self.message = message }

  public var description: String { message }
}
