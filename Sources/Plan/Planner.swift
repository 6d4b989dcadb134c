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

  /// Whether the operator-level searches prune by branch and bound against the
  /// uniform points reported (the result is the same either way; tests turn it off).
  var prunesOperatorSearch = true

  /// Whether a pipelined family met only past a uniform cut is left out when a
  /// lower bound on its pipelines' memory is over the limit (the frontier is the
  /// same either way; tests turn it off).
  var dropsUnfitFamilies = true

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
    let parameters = Double(base.totalMetrics(floatBytes: request.dtype.activationBytes).parameters)
    let space = OuterSpace(
      request: request, devices: devices, layers: base.layerCount, parameters: parameters)
    let groups = space.groups
    let graphs = try await GraphCache.build(for: groups.map(\.base), request: request)
    let cluster = request.cluster.withDeviceCount(devices)
    let ranOperatorSearch = runsOperatorSearch(graph: base, devices: devices)
    let request = self.request
    let families = space.families
    var finished: (@Sendable (Int) -> Void)? = nil
    // Screen every combination with the shared-work formulas; within a family,
    // stop at the first micro-batch size at which nothing fits.
    let screen = UniformPipelineCost(cluster: cluster)
    let limit = request.memoryLimit
    // Work units: the families sharing (pp, tp, sequence parallelism), which share layouts.
    let units = Self.workUnits(
      families.indices.compactMap { index in families[index].groups.first.map { (index, $0.base) } }
    )
    let workUnits = units
    if let progress {
      let total = units.count
      finished = { progress($0, total) }
    }
    let unitResults = await ParallelMap.map(
      count: workUnits.count, threads: request.threads, progress: finished
    ) { unit -> [(Int, ScreenedFamily)] in
      var cache: [UniformPipelineCost.LayoutKey: UniformPipelineCost.Layouts] = [:]
      return workUnits[unit].map { index in
        (index, screen.screen(families[index], graphs: graphs, request: request, cache: &cache))
      }
    }
    var byFamily = [ScreenedFamily](repeating: ScreenedFamily(), count: families.count)
    for (index, results) in unitResults.joined() { byFamily[index] = results }
    let combinations = byFamily.flatMap(\.combinations)
    // Past a family's uniform cut, in family order: FT inside stages still
    // searches, bounds or rules out their pipelined families (below).
    let uncosted = byFamily.flatMap(\.uncosted)
    // Second pass: uneven stage splits, for the combinations whose bound on every
    // split is not beaten by a fitting point of the first pass.
    let incumbent = Staircase(
      combinations.filter { $0.cost.memory <= limit }.map { ($0.cost.time, $0.cost.memory) })
    let hopeful = combinations.indices.filter { index in
      guard let bound = combinations[index].bound else { return false }
      return !incumbent.dominates(time: bound.time, memory: bound.memory)
    }
    let splitUnits = Self.workUnits(hopeful.map { ($0, combinations[$0].strategy) })
    let splitResults = await ParallelMap.map(count: splitUnits.count, threads: request.threads) {
      unit -> [[(ParallelStrategy, Cost)]] in
      var cache: [UniformPipelineCost.LayoutKey: UniformPipelineCost.Layouts] = [:]
      return splitUnits[unit].map { index in
        screen.splits(
          of: combinations[index].strategy, graphs: graphs, request: request,
          incumbent: incumbent, cache: &cache)
      }
    }
    let flat =
      combinations.map { ($0.strategy, $0.cost) } + splitResults.joined().joined()
    let strategies = flat.map(\.0)
    let screened = flat.map(\.1)
    let selection = Self.select(screened, limit: limit, candidateLimit: request.candidateLimit)
    // Re-cost what is reported with the evaluator, exactly as `evaluate` does.
    let evaluator = StrategyEvaluator(cluster: cluster)
    let chosen = selection.all
    let evaluations = await ParallelMap.map(count: chosen.count, threads: request.threads) {
      position -> Evaluation? in
      let s = strategies[chosen[position]]
      guard let graph = graphs.graph(for: s) else { return nil }
      return evaluator.evaluate(
        graph: graph, modelName: request.model.name, family: request.model.family,
        globalBatchSize: request.batch, sequenceLength: request.seq,
        microBatches: request.batch / (s.dataParallel * s.microBatchSize), strategy: s)
    }
    var evaluated: [Int: Evaluation] = [:]
    for (index, evaluation) in zip(chosen, evaluations) { evaluated[index] = evaluation }
    func cost(_ index: Int) -> (Double, Double) {
      (evaluated[index]?.timeS ?? .infinity, evaluated[index]?.memoryBytes ?? .infinity)
    }
    let reported = chosen.filter { evaluated[$0].map { $0.timeS.isFinite } ?? false }
    let front = ParetoSet.indices(reported.filter { cost($0).1 <= limit }, cost: cost)
    let infeasible = ParetoSet.indices(reported.filter { cost($0).1 > limit }, cost: cost)
    func entry(_ index: Int) -> PlanEntry? {
      guard let evaluation = evaluated[index], let graph = graphs.graph(for: strategies[index])
      else { return nil }
      return PlanEntry(
        timeS: evaluation.timeS, memoryBytes: evaluation.memoryBytes, memoryLimitBytes: limit,
        throughput: PlanThroughput(evaluation.throughput),
        breakdown: PlanBreakdown(evaluation.breakdown),
        strategy: .uniform(strategies[index], graph: graph, microBatches: evaluation.microBatches))
    }
    let uniformPairs = (front + infeasible).compactMap { index in entry(index).map { (index, $0) } }
    let uniformEntries = uniformPairs.map(\.1)
    // The operator-level search, bounded by the fitting uniform frontier: its
    // points join one non-dominated set with those incumbents below, so points
    // they strictly dominate cannot count, fitting or not.
    var operatorLevel: [PlanEntry] = []
    var stageSearches = 0
    let incumbents = (prunesOperatorSearch ? uniformEntries.filter(\.fits) : []).map {
      CostVector(time: $0.timeS, memory: $0.memoryBytes)
    }
    if ranOperatorSearch {
      (operatorLevel, stageSearches) = try await OperatorLevelSearch(
        request: request, cluster: cluster, devices: devices
      ).allEntries(incumbents: incumbents)
    }
    var pruned = space.pruned
    let unbuilt = combinations.filter { !$0.cost.time.isFinite }.count
    let withBound = combinations.filter { $0.bound != nil }.count
    if withBound > hopeful.count {
      pruned["uneven stage splits cannot win (a bound on every split is beaten)", default: 0] +=
        withBound - hopeful.count
    }
    // FT inside the stages of every pipelined family, those of the uniform
    // frontier first; a family the family bound rules out is skipped, and so is
    // one met only past a uniform cut whose floor's memory is over the limit.
    var unfit: Set<PipelineFamily> = []
    if ranOperatorSearch {
      let staged = await stagedEntries(
        strategies: strategies, costs: screened, front: front, evaluated: evaluated,
        layers: base.layerCount,
        search: StagedOperatorSearch(
          request: request, cluster: cluster, devices: devices, incumbents: incumbents),
        known: uniformEntries + operatorLevel,
        uncosted: uncosted.compactMap { pipelineFamily(of: $0, layers: base.layerCount) })
      operatorLevel += staged.entries
      stageSearches += staged.searches
      pruned.merge(staged.notes, uniquingKeysWith: StagedOperatorSearch.saturatingSum)
      unfit = staged.unfit
    }
    pruned.merge(
      fitNotes(
        uncosted: uncosted, unfit: unfit, coversStages: ranOperatorSearch,
        layers: base.layerCount),
      uniquingKeysWith: StagedOperatorSearch.saturatingSum)
    // Groups before a cut whose graph cannot be built.
    let graphless = space.enumerated - combinations.count - uncosted.count
    if graphless > 0 { pruned[Self.uniformCutNote, default: 0] += graphless }
    // One non-dominated set over every point, fitting or not, the incumbents
    // included: a point over the limit is reported only if no fitting point beats it.
    let (frontEntries, infeasibleEntries) = ParetoSet.split(uniformEntries + operatorLevel)
    // Every other re-costed uniform point is a candidate (the report's pale points),
    // those the operator-level points or a fitting point beat included.
    let kept = Set(frontEntries).union(infeasibleEntries)
    let onFront = Set(uniformPairs.filter { kept.contains($0.1) }.map(\.0))
    let candidates = reported.filter { !onFront.contains($0) }.compactMap {
      index -> PlanCandidate? in
      guard let evaluation = evaluated[index] else { return nil }
      return PlanCandidate(
        timeS: evaluation.timeS, memoryBytes: evaluation.memoryBytes,
        fits: evaluation.memoryBytes <= limit,
        summary: PlanStrategy.summary(of: strategies[index], microBatches: evaluation.microBatches))
    }
    if !ranOperatorSearch {
      pruned[
        "operator-level FT skipped (graph too large for automatic; --operator-search always)",
        default: 0] += 1
    }
    return PlanResult(
      devices: devices, frontier: frontEntries, infeasible: infeasibleEntries,
      candidates: candidates,
      statistics: PlanStatistics(
        combinations: space.enumerated + space.pruned.values.reduce(0, +),
        evaluated: combinations.count - unbuilt, pruned: pruned, stageSearches: stageSearches))
  }

  /// Indices grouped into work units of strategies sharing (pp, tp, sequence
  /// parallelism), which share layouts; units in order of first appearance.
  static func workUnits(_ items: [(index: Int, strategy: ParallelStrategy)]) -> [[Int]] {
    var unitOf: [[Int]: Int] = [:]
    var units: [[Int]] = []
    for (index, s) in items {
      let key = [s.pipelineStages, s.tensorParallel, s.sequenceParallel ? 1 : 0]
      if let unit = unitOf[key] {
        units[unit].append(index)
      } else {
        unitOf[key] = units.count
        units.append([index])
      }
    }
    return units
  }

  /// Whether the operator-level search runs on `devices` devices.
  func runsOperatorSearch(graph: Graph, devices: Int) -> Bool {
    if let maximum = request.maxTensorParallel, maximum < devices { return false }
    switch request.operatorSearch {
    case .never: return false
    case .always: return true
    case .automatic:
      return request.search == .exhaustive
        || graph.expandedOperatorCount <= OperatorSearchPolicy.automaticOperatorLimit
    }
  }

  /// A screened cost.
  struct Cost: Sendable {
    var time: Double
    var memory: Double
  }

  /// What to re-cost: the screened frontier and infeasible frontier, each with
  /// the points within a rounding margin of it (so that re-costing cannot lose a
  /// point), and up to `candidateLimit` other points for plots.
  struct Selection {
    var all: [Int]
  }

  static func select(_ costs: [Cost], limit: Double, candidateLimit: Int) -> Selection {
    func cost(_ index: Int) -> (Double, Double) { (costs[index].time, costs[index].memory) }
    let finite = costs.indices.filter { costs[$0].time.isFinite }
    let fitting = finite.filter { costs[$0].memory <= limit * (1 + 1e-9) }
    let over = finite.filter { costs[$0].memory > limit * (1 - 1e-9) }
    // A point survives unless a frontier point beats it by more than rounding in
    // both objectives (checking the frontier suffices: it dominates every point).
    func nearFront(_ members: [Int]) -> [Int] {
      let front = ParetoSet.indices(members, cost: cost).map(cost)
      let margin = 1 - 1e-9
      return members.filter { index in
        let (t, m) = cost(index)
        return !front.contains { $0.0 < t * margin && $0.1 < m * margin }
      }
    }
    let keep = Set(nearFront(fitting)).union(nearFront(over))
    let others = finite.filter { !keep.contains($0) }
    let sampled = ParetoSet.sample(others, limit: candidateLimit, cost: cost)
    return Selection(all: Array(keep.union(sampled)).sorted())
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
