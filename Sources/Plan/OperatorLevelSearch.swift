import TensorOptCost
import TensorOptGraph
import TensorOptSearch

/// The operator-level part of the plan for single-stage strategies: FT (or
/// exhaustive search) over every operator's configuration on every 1-D and 2-D
/// mesh of the devices, for no or selective recomputation, ZeRO 0–3 and a few
/// micro-batch counts (gradient accumulation; ``microBatchCounts(batch:)``),
/// each point re-costed per operator for its breakdown and transient workspace.
///
/// The search space grows quickly with the graph; the planner runs it where it
/// pays (see ``PlanRequest/operatorSearch``) and relies on the uniform layouts
/// elsewhere.
struct OperatorLevelSearch {
  var request: PlanRequest
  var cluster: Cluster
  var devices: Int

  /// The micro-batch counts searched: those of 1, 2, 4 and 8 that divide the
  /// global batch (the same for FT and its brute-force reference).
  static func microBatchCounts(batch: Int) -> [Int] {
    [1, 2, 4, 8].filter { $0 <= batch && batch % $0 == 0 }
  }

  /// Every point of every (micro-batch count, recomputation, ZeRO stage) search,
  /// the searches run on ``PlanRequest/threads`` tasks and gathered in order, and
  /// the number of searches.
  ///
  /// `incumbents`, (time, memory) points the caller merges with these entries,
  /// let every exact FT search skip partial points they strictly dominate
  /// (branch and bound): the non-dominated set of the incumbents and all the
  /// entries (fitting or not) stays the same. An entry's memory is its search
  /// point's plus a workspace, never less, so an entry whose search point an
  /// incumbent strictly dominates is strictly dominated too.
  func allEntries(incumbents: [CostVector] = []) async throws(PlanError) -> (
    entries: [PlanEntry], searches: Int
  ) {
    var jobs: [(recomputation: Recomputation, zero: Int, microBatches: Int)] = []
    for microBatches in Self.microBatchCounts(batch: request.batch) {
      for recomputation in [Recomputation.none, .selective] {
        for zero in 0...3 { jobs.append((recomputation, zero, microBatches)) }
      }
    }
    let search = self
    let work = jobs
    let results = await ParallelMap.map(count: work.count, threads: request.threads) { index in
      Result { () throws(PlanError) -> [PlanEntry] in
        try search.entries(
          recomputation: work[index].recomputation, zeroStage: work[index].zero,
          microBatches: work[index].microBatches, incumbents: incumbents)
      }
    }
    var entries: [PlanEntry] = []
    for result in results { entries += try result.get() }
    return (entries, work.count)
  }

  /// The points of one search, or the reason it could not run.
  func entries(
    recomputation: Recomputation, zeroStage: Int, microBatches m: Int = 1,
    incumbents: [CostVector] = []
  ) throws(PlanError) -> [PlanEntry] {
    let multiple = request.padsVocabulary ? 128 * devices : 1
    let built: Graph
    do {
      built = try request.model.graph(batchSize: request.batch / m, sequenceLength: request.seq)
    } catch {
      throw PlanError("cannot build \(request.model.name): \(error)")
    }
    let graph =
      request.model.family == .language ? built.paddingVocabulary(toMultipleOf: multiple) : built
    let options = TrainingOptions(
      dtype: request.dtype, optimizer: request.optimizer, zeroStage: zeroStage,
      recomputation: recomputation, microBatchCount: m)
    let models = DeviceMesh.shapes(deviceCount: devices).map {
      AnalyticalStageCost(mesh: $0, cluster: cluster, options: options)
    }
    let frontier: StageFrontier
    do {
      frontier = try StageSearch.frontier(
        of: graph, costModels: models,
        options: SearchOptions(method: request.search, epsilon: request.epsilon),
        incumbent: incumbents.isEmpty ? nil : IncumbentBound(incumbents))
    } catch {
      throw PlanError(error.message)
    }
    return frontier.points.compactMap { point in
      guard let model = models.first(where: { $0.mesh == point.strategy.mesh }) else { return nil }
      return entry(point, graph: graph, model: model)
    }
  }

  /// A plan entry for an FT point: the search's time and memory plus the largest
  /// transient workspace, with a per-operator breakdown.
  func entry(_ point: PlanPoint, graph: Graph, model: AnalyticalStageCost) -> PlanEntry {
    let strategy = point.strategy
    var tally = StageTally()
    var configured: [String: String] = [:]
    var blocks: [String: PlanBlockChoices] = [:]
    for node in graph.nodes {
      switch node.content {
      case .op:
        guard let config = strategy.operators[node.name] else { continue }
        configured[node.name] = config.description
        tally.add(
          model.breakdown(of: node, in: graph, configuration: config, insideBlock: false),
          name: node.name)
      case .block(let block):
        guard let choices = strategy.blocks[node.name] else { continue }
        var runs: [String: [PlanRun]] = [:]
        for bodyNode in block.body.nodes {
          guard let perRepetition = choices.operators[bodyNode.name] else { continue }
          runs[bodyNode.name] = PlanRun.runs(perRepetition.map(\.description))
          var counts: [OpConfiguration: Int] = [:]
          for config in perRepetition { counts[config, default: 0] += 1 }
          for (config, count) in counts.sorted(by: { $0.key.description < $1.key.description }) {
            let cost = model.breakdown(
              of: bodyNode, in: block.body, configuration: config, insideBlock: true)
            for _ in 0..<count { tally.add(cost, name: bodyNode.name) }
          }
        }
        blocks[node.name] = PlanBlockChoices(
          repetitions: [[0, block.repeatCount]], operators: runs,
          boundaries: PlanRun.runs(choices.boundaries.map(\.description)))
      }
    }
    // A tied weight used in another layout than its owner's keeps a copy of the
    // weight and its gradient (see StageCostModel.tiedWeightCost).
    for pair in graph.tiedPairs {
      let (owner, tied) = (graph.nodes[pair.owner], graph.nodes[pair.tied])
      guard let stored = strategy.operators[owner.name], let used = strategy.operators[tied.name]
      else { continue }
      let copy = model.tiedWeightCost(
        owner: owner, configuration: stored, tied: tied, configuration: used, in: graph
      ).memory
      let state = model.options.stateBytes
      tally.weightBytes += copy * state.weights / (state.weights + state.gradients)
      tally.gradientBytes += copy * state.gradients / (state.weights + state.gradients)
    }
    // Per-micro-batch work happens m times; synchronisation and the optimizer once.
    let m = Double(model.options.microBatchCount)
    let opTime =
      m * (tally.forward + tally.backward + tally.recompute + tally.parameterGather)
      + tally.gradientSyncExposed + tally.optimizerStep
    let time = point.cost.time
    let memory = point.cost.memory + tally.workspaceBytes
    let breakdown = PlanBreakdown(
      time: PlanTimeBreakdown(
        forwardS: m * tally.forward, backwardS: m * tally.backward,
        recomputeS: m * tally.recompute,
        tensorParallelS: max(time - opTime, 0), parameterGatherS: m * tally.parameterGather,
        pipelineTransferS: 0, pipelineBubbleS: 0, dataParallelSyncS: tally.gradientSyncExposed,
        dataParallelSyncOverlappedS: tally.gradientSync - tally.gradientSyncExposed,
        optimizerS: tally.optimizerStep),
      memory: PlanMemoryBreakdown(
        stage: 0, weightsBytes: tally.weightBytes, gradientsBytes: tally.gradientBytes,
        optimizerBytes: tally.optimizerBytes, activationsBytes: tally.activationBytes,
        inFlightMicroBatches: 1, workspaceBytes: tally.workspaceBytes),
      stages: [
        PlanStageSummary(
          stage: 0, microBatchS: (time - tally.gradientSyncExposed - tally.optimizerStep) / m,
          peakMemoryBytes: memory, inFlightMicroBatches: 1)
      ])
    let throughput = PlanThroughput(
      request: request, cluster: cluster, graph: graph, microBatches: m, time: time,
      devices: devices)
    let mesh = strategy.mesh.shape
    let planStrategy = PlanStrategy(
      dp: 1, tp: devices, pp: 1, microbatch: request.batch / model.options.microBatchCount,
      microBatches: model.options.microBatchCount,
      schedule: .oneForwardOneBackward, recompute: options(of: model).recomputation,
      zero: options(of: model).zeroStage, stageMesh: mesh, dataAxis: -1, uniformLayout: false,
      deviations: StageDeviations.names(
        graphs: [graph], strategies: [strategy], mesh: strategy.mesh),
      stages: [
        PlanStage(
          stage: 0, firstDevice: 0, layers: [[0, graph.layerCount]], operators: configured,
          tensors: strategy.tensors.mapValues(\.description), blocks: blocks)
      ])
    return PlanEntry(
      timeS: time, memoryBytes: memory, memoryLimitBytes: request.memoryLimit,
      throughput: throughput, breakdown: breakdown, strategy: planStrategy)
  }

  private func options(of model: AnalyticalStageCost) -> TrainingOptions { model.options }
}
