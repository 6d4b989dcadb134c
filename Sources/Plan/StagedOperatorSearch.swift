import TensorOptCost
import TensorOptGraph
import TensorOptSearch

/// The operator-level search inside pipeline stages: for a ``PipelineFamily``
/// (layers per stage, micro-batches, schedule, recomputation, ZeRO), FT (or
/// exhaustive search) over each stage's graph on every mesh of its devices,
/// then the exact combination of the stages' frontiers into the family's
/// frontier of (iteration time, peak memory per device).
///
/// Every stage of a pipeline uses the same mesh shape. The activation crossing
/// a cut travels in one *wire layout* for the whole pipeline (each of the
/// layouts the stages' points leave or read it in is tried): a stage whose
/// boundary layout differs re-lays it on its side, forward and backward, every
/// micro-batch; the transfer sends each device's share, split further over the
/// wire layout's replicated mesh axes and all-gathered along them on arrival
/// (Megatron's scatter/gather, which is what the uniform path prices).
struct StagedOperatorSearch: Sendable {
  var request: PlanRequest
  var cluster: Cluster
  var devices: Int
  /// Fitting (time, memory) points the caller merges with the result (branch
  /// and bound): a stage's partial strategies whose every pipeline one of them
  /// strictly dominates are dropped from its searches (see ``candidates(of:stage:mesh:)``).
  var incumbents: [CostVector] = []
  /// Block bodies and their reductions shared by the stage searches of this
  /// search and its copies (stages of one family over its splits and workspace
  /// strata hold the same block under the same cost model); `nil` shares none.
  var bodies: BlockBodyMemo? = BlockBodyMemo()
  /// The stage ranges of the families met, shared by this search and its
  /// copies (``stageRanges(of:)``); `nil` shares none.
  var rangeMemo: StageRangesMemo? = StageRangesMemo()

  /// One stage search: its family, mesh and stage.
  struct Job: Sendable {
    var family: Int
    var mesh: DeviceMesh
    var stage: Int
  }

  /// A family's graph, cut into stages.
  struct Prepared: Sendable {
    var family: PipelineFamily
    var graph: Graph
    var stages: [StageGraph]
  }

  /// The frontier of each of `families` (in order; empty when its stages cannot
  /// be searched one by one), the number of (stage, mesh) searches, and what
  /// kept some of them from completing (for `--verbose`), with counts.
  func frontiers(of families: [PipelineFamily]) async -> (
    entries: [[PlanEntry]], searches: Int, notes: [String: Int]
  ) {
    let prepared = families.map(prepare)
    var jobs: [Job] = []
    for (index, item) in prepared.enumerated() {
      guard let item else { continue }
      for mesh in DeviceMesh.shapes(deviceCount: devices / item.family.stages) {
        for stage in item.stages.indices {
          jobs.append(Job(family: index, mesh: mesh, stage: stage))
        }
      }
    }
    let search = self
    let work = jobs
    let found = await ParallelMap.map(count: work.count, threads: request.threads) { index in
      let job = work[index]
      guard let item = prepared[job.family] else {
        return (points: [StageCandidate](), note: String?.none)
      }
      return search.candidates(of: item, stage: job.stage, mesh: job.mesh)
    }
    var results: [[PlanEntry]] = []
    for (index, item) in prepared.enumerated() {
      guard let item else {
        results.append([])
        continue
      }
      var entries: [PlanEntry] = []
      for mesh in DeviceMesh.shapes(deviceCount: devices / item.family.stages) {
        let stages = jobs.indices.filter { jobs[$0].family == index && jobs[$0].mesh == mesh }
          .map { found[$0].points }
        entries += combine(item, mesh: mesh, candidates: stages)
      }
      results.append(ParetoSet.entries(entries))
    }
    var notes: [String: Int] = [:]
    for note in found.compactMap(\.note) { notes[note, default: 0] += 1 }
    return (results, jobs.count, notes)
  }

  /// The family's graph (one micro-batch, vocabulary padded to a multiple of
  /// 128 times the stage's devices) and stages, or `nil`.
  func prepare(_ family: PipelineFamily) -> Prepared? {
    graph(for: family).flatMap { prepare(family, graph: $0) }
  }

  /// The graph of one micro-batch of a family (its split aside), vocabulary
  /// padded to a multiple of 128 times the stage's devices, or `nil`.
  func graph(for family: PipelineFamily) -> Graph? {
    let m = family.microBatches
    guard m > 0, request.batch % m == 0, devices % family.stages == 0 else { return nil }
    guard
      let built = try? request.model.graph(
        batchSize: request.batch / m, sequenceLength: request.seq)
    else { return nil }
    let multiple = request.padsVocabulary ? 128 * (devices / family.stages) : 1
    return request.model.family == .language
      ? built.paddingVocabulary(toMultipleOf: multiple) : built
  }

  /// The family's stages on `graph` (from ``graph(for:)``), or `nil` when its
  /// split does not cover the layers or a cut cannot be searched.
  func prepare(_ family: PipelineFamily, graph: Graph) -> Prepared? {
    guard graph.layerCount == family.stageLayers.reduce(0, +),
      let stages = StageGraph.stages(
        of: graph, partition: LayerPartition(chunkLayers: family.stageLayers))
    else { return nil }
    return Prepared(family: family, graph: graph, stages: stages)
  }

  /// The cost model of stage `stage` of a family on `mesh`.
  func costModel(_ item: Prepared, stage: Int, mesh: DeviceMesh) -> PipelineStageCost {
    let family = item.family
    let options = TrainingOptions(
      dtype: request.dtype, optimizer: request.optimizer, zeroStage: family.zeroStage,
      recomputation: family.recomputation, microBatchCount: family.microBatches,
      inFlightMicroBatches: family.schedule.inFlightMicroBatches(
        stage: stage, stages: family.stages, microBatches: family.microBatches))
    let size = mesh.deviceCount
    return PipelineStageCost(
      base: AnalyticalStageCost(
        mesh: mesh, cluster: cluster, firstDevice: stage * size, options: options),
      slots: family.slots, tiedPartners: item.stages[stage].tiedPartners.mapValues { $0 * size })
  }

  /// The points of one stage's searches on `mesh` (none when the search
  /// refuses), and why they may be incomplete.
  ///
  /// The transient workspace, a maximum over operators, is added to each
  /// point's memory after the search, which cannot hold it in its sums. So the
  /// stage is searched in strata: after a search whose points' largest
  /// workspace is `w`, every strategy with a workspace of at least `w` is
  /// dominated (in time and memory with workspace) by one of its points, and the
  /// next search allows only configurations with a workspace below `w`. Until
  /// no point is left this is exact; after ``workspaceStrata`` searches the
  /// points are returned as incomplete.
  ///
  /// With ``incumbents``, each search is bounded by them: a stage's search cost
  /// (`slots · work + tail`, memory without workspace) is no more than that of any
  /// pipeline using the stage's strategy (which takes the largest work and tail
  /// and the largest memory of its stages, re-layouts and workspace added), so a
  /// strategy an incumbent strictly beats in the stage only ever makes pipelines
  /// the incumbent strictly beats. The strata stay exact relative to the
  /// incumbents: a strategy left out of the next stratum is beaten by a point
  /// found or by an incumbent.
  func candidates(of item: Prepared, stage: Int, mesh: DeviceMesh) -> (
    points: [StageCandidate], note: String?
  ) {
    var model = costModel(item, stage: stage, mesh: mesh)
    let bound = incumbents.isEmpty ? nil : IncumbentBound(incumbents)
    var found: [StageCandidate] = []
    var seen: Set<Strategy> = []
    for _ in 0..<Self.workspaceStrata {
      let frontier: StageFrontier
      do {
        let options = SearchOptions(method: request.search, epsilon: request.epsilon)
        if let bound {
          frontier = try StageSearch.frontier(
            of: item.stages[stage].graph, costModels: [model], options: options, incumbent: bound,
            memo: bodies)
        } else {
          frontier = try StageSearch.frontier(
            of: item.stages[stage].graph, costModel: model, options: options, memo: bodies)
        }
      } catch {
        return (found, "FT inside pipeline stages: a stage search refused (\(error.message))")
      }
      let points = frontier.points.map {
        StageCandidate($0, stage: item.stages[stage], model: model)
      }
      guard let largest = points.map(\.tally.workspaceBytes).max() else { return (found, nil) }
      // A point below the largest workspace may be found again in the next stratum.
      found += points.filter { seen.insert($0.strategy).inserted }
      model.workspaceCap = largest.nextDown
    }
    return (
      found,
      "FT inside pipeline stages: searches stopped after \(Self.workspaceStrata) workspace "
        + "strata (the frontier may miss points)"
    )
  }

  /// The most searches (workspace strata) per stage and mesh.
  static let workspaceStrata = 16

  /// The wire layouts worth trying: every layout a candidate leaves or reads
  /// a crossing activation in, in a fixed order.
  static func wireLayouts(_ candidates: [[StageCandidate]]) -> [TensorLayout] {
    var seen: Set<TensorLayout> = []
    for candidate in candidates.joined() {
      for layout in [candidate.inputLayout, candidate.outputLayout] {
        if let layout { seen.insert(layout) }
      }
    }
    return seen.sorted { $0.description < $1.description }
  }

  /// The family's pipelines on `mesh`: for each wire layout, the stages'
  /// candidates with their re-layouts to and from it, combined exactly.
  func combine(_ item: Prepared, mesh: DeviceMesh, candidates: [[StageCandidate]]) -> [PlanEntry] {
    guard candidates.count == item.stages.count, candidates.allSatisfy({ !$0.isEmpty }) else {
      return []
    }
    let models = item.stages.indices.map { costModel(item, stage: $0, mesh: mesh) }
    var entries: [PlanEntry] = []
    for wire in Self.wireLayouts(candidates) {
      // Per stage, the candidates with their re-layouts to and from the wire,
      // without those another one beats in work, tail and memory.
      var kept: [[Int]] = []
      var costs: [[StageCost]] = []
      for (stage, list) in candidates.enumerated() {
        let all = list.map {
          wired($0, stage: stage, item: item, model: models[stage].base, wire: wire)
        }
        let undominated = PipelineCombination.undominated(all)
        kept.append(undominated)
        costs.append(undominated.map { all[$0] })
      }
      let transfer = self.transfer(item, wire: wire, models: models)
      for choice in PipelineCombination.frontier(
        costs, slots: item.family.slots, transfer: transfer)
      {
        let picked = choice.picks.enumerated().map { candidates[$0][kept[$0][$1]] }
        let pickedCosts = choice.picks.enumerated().map { costs[$0][$1] }
        entries.append(
          entry(
            item, mesh: mesh, picked: picked, costs: pickedCosts, transfer: transfer,
            time: choice.time, memory: choice.memory))
      }
    }
    return entries
  }

  /// A candidate's cost with the re-layouts of its crossing activations from
  /// and to `wire`.
  func wired(
    _ candidate: StageCandidate, stage: Int, item: Prepared, model: AnalyticalStageCost,
    wire: TensorLayout
  ) -> StageCost {
    var cost = candidate.cost
    let graph = item.stages[stage].graph
    if let id = item.stages[stage].input, let layout = candidate.inputLayout, layout != wire {
      cost.work += model.relayoutTime(
        of: graph.tensors[id], from: wire, to: layout, gradientFrom: layout, gradientTo: wire)
    }
    if let id = item.stages[stage].output, let layout = candidate.outputLayout, layout != wire {
      cost.work += model.relayoutTime(
        of: graph.tensors[id], from: layout, to: wire, gradientFrom: wire, gradientTo: layout)
    }
    return cost
  }

  /// Seconds per micro-batch of the point-to-point transfers in `wire` (the
  /// slowest cut, forward activation and backward gradient).
  func transfer(_ item: Prepared, wire: TensorLayout, models: [PipelineStageCost]) -> Double {
    var slowest = 0.0
    for stage in 0..<(item.stages.count - 1) {
      guard let id = item.stages[stage].output else { continue }
      slowest = max(
        slowest,
        cutTransfer(item.graph.tensors[id], after: stage, wire: wire, first: models[0].base))
    }
    return slowest
  }

  /// Seconds per micro-batch of sending `tensor` from stage `stage` to the next
  /// in `wire`, forward activation and backward gradient: each device's share,
  /// split further over the wire's replicated mesh axes and all-gathered along
  /// them on arrival (`first` is stage 0's cost model).
  func cutTransfer(
    _ tensor: Tensor, after stage: Int, wire: TensorLayout, first: AnalyticalStageCost
  ) -> Double {
    let mesh = first.mesh
    let replicated = mesh.shape.indices.filter {
      mesh.shape[$0] > 1 && wire.splitAxis[$0] == nil && !wire.isPartial[$0]
    }
    let shares = Double(replicated.reduce(1) { $0 * mesh.shape[$1] })
    let bytes = wire.localBytes(
      tensor.byteCount(floatBytes: request.dtype.activationBytes), mesh: mesh)
    let size = mesh.deviceCount
    let pair = cluster.group([stage * size, (stage + 1) * size])
    let send = cluster.collectiveTime(.sendReceive, bytes: bytes / shares, group: pair)
    let gather =
      replicated.isEmpty
      ? 0
      : cluster.collectiveTime(.allGather, bytes: bytes, group: first.group(alongAxes: replicated))
    return 2 * (send + gather)
  }
}
