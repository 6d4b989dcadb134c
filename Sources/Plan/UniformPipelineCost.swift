import TensorOptCost
import TensorOptGraph

/// A fast screen of uniform strategies: the same formulas as
/// `StrategyEvaluator.evaluate(graph:...)`, with the work shared where the
/// result cannot differ: operator and layer tallies are computed once per
/// distinct stage placement (a stage's first device modulo the node size decides
/// every group it communicates in), and once for all schedules and interleave
/// factors of one (dp, tp, pp, micro-batch, recomputation, sequence
/// parallelism, ZeRO) combination.
///
/// Sums run in a different order than the evaluator's, so figures agree to
/// rounding; the planner re-costs every point it reports with the evaluator.
struct UniformPipelineCost {
  /// The per-stage tallies of one combination, for any schedule.
  struct Tallies {
    var stages: [StageTally]
    var boundaryBytes: Double
    var boundaryReplicated: Bool
    var maxSend: Double
    var gather: Double
  }

  let cluster: Cluster

  /// What the layouts of a uniform strategy depend on.
  struct LayoutKey: Hashable {
    var batch: Int
    var vocabularyMultiple: Int
    var mesh: [Int]
    var sequenceParallel: Bool
  }

  /// The Megatron configuration of a graph and the layouts it produces (block
  /// bodies by node index), shared by every recomputation and ZeRO choice.
  struct Layouts {
    var configuration: GraphConfiguration
    var produced: [TensorID: TensorLayout]
    var bodies: [Int: [TensorID: TensorLayout]]
  }

  static func layouts(graph: Graph, mesh: DeviceMesh, sequenceParallel: Bool) -> Layouts {
    let configuration = UniformLayout.megatron(
      graph: graph, mesh: mesh, dataAxis: 0, tensorAxis: 1, sequenceParallel: sequenceParallel)
    let produced = UniformLayout.producedLayouts(
      graph: graph, configuration: configuration, mesh: mesh)
    var bodies: [Int: [TensorID: TensorLayout]] = [:]
    for (index, node) in graph.nodes.enumerated() {
      guard
        case (.block(let block), .block(let body)?) = (
          node.content, configuration.nodes[safe: index]
        )
      else { continue }
      let steady = produced[node.output] ?? .replicated(meshAxes: mesh.shape.count)
      bodies[index] = UniformLayout.producedLayouts(
        graph: block.body, configuration: body, mesh: mesh,
        inputLayouts: [block.body.inputs[0]: steady])
    }
    return Layouts(configuration: configuration, produced: produced, bodies: bodies)
  }

  /// The tallies of `s` (its schedule and interleave ignored: with layers
  /// dividing into `pp · v` chunks, every stage runs `layers / pp` layers and the
  /// operators around them on the same stages) on `graph`, `m` micro-batches.
  func tallies(
    graph: Graph, strategy s: ParallelStrategy, microBatches m: Int, interleave v: Int,
    layouts cache: inout [LayoutKey: Layouts]
  ) -> Tallies {
    let p = s.pipelineStages
    let size = s.dataParallel * s.tensorParallel
    let mesh = DeviceMesh([s.dataParallel, s.tensorParallel])
    let key = LayoutKey(
      batch: s.dataParallel * s.microBatchSize, vocabularyMultiple: s.vocabularyMultiple,
      mesh: mesh.shape, sequenceParallel: s.sequenceParallel)
    let shared =
      cache[key] ?? Self.layouts(graph: graph, mesh: mesh, sequenceParallel: s.sequenceParallel)
    cache[key] = shared
    let configuration = shared.configuration
    let options = TrainingOptions(
      dtype: s.dtype, optimizer: s.optimizer, zeroStage: s.zeroStage,
      recomputation: s.recomputation, microBatchCount: m)
    let perNode = max(cluster.devicesPerNode, 1)
    // One cost model per distinct placement; stages share their placement's tallies.
    var placementOf: [Int] = []
    var models: [AnalyticalStageCost] = []
    var placementKeys: [Int: Int] = [:]
    for stage in 0..<p {
      let key = (stage * size) % perNode
      if let known = placementKeys[key] {
        placementOf.append(known)
      } else {
        placementKeys[key] = models.count
        placementOf.append(models.count)
        models.append(
          AnalyticalStageCost(
            mesh: mesh, cluster: cluster, firstDevice: stage * size, options: options))
      }
    }
    let layouts = shared.produced
    let layout = StageLayout(totalLayers: graph.layerCount, chunks: p * v)
    var stages = Array(repeating: StageTally(), count: p)
    var layer = 0
    var boundaryBytes = 0.0
    var boundaryReplicated = false
    let fb = options.dtype.activationBytes
    for (index, node) in graph.nodes.enumerated() {
      switch (node.content, configuration.nodes[safe: index]) {
      case (.op, .op(let config)?):
        let stage = (layer == 0 ? 0 : layout.chunk(ofLayer: layer - 1)) % p
        stages[stage].accumulate(
          Self.opTally(
            node, graph: graph, config: config, layouts: layouts,
            model: models[placementOf[stage]], insideBlock: false))
      case (.block(let block), .block(let bodyConfig)?):
        let steady = layouts[node.output] ?? .replicated(meshAxes: mesh.shape.count)
        let outer = layouts[node.inputs[0]] ?? steady
        let input = graph.tensors[node.inputs[0]]
        boundaryBytes = max(
          boundaryBytes, steady.localBytes(input.byteCount(floatBytes: fb), mesh: mesh))
        boundaryReplicated =
          mesh.shape.count > 1 && steady.splitAxis[1] == nil && !steady.isPartial[1]
        let bodyLayouts = shared.bodies[index] ?? [:]
        let perPlacement = models.map { model in
          Self.bodyTally(block, config: bodyConfig, layouts: bodyLayouts, model: model)
        }
        let entry = layout.chunk(ofLayer: layer) % p
        stages[entry].tensorParallel += models[placementOf[entry]].relayoutTime(
          of: input, from: outer, to: steady, gradientFrom: steady, gradientTo: outer)
        var counts = Array(repeating: 0, count: p)
        for offset in 0..<block.repeatCount {
          counts[layout.chunk(ofLayer: layer + offset) % p] += 1
        }
        for stage in 0..<p where counts[stage] > 0 {
          stages[stage].accumulate(Self.scaled(perPlacement[placementOf[stage]], by: counts[stage]))
        }
        layer += block.repeatCount
      default:
        continue
      }
    }
    var maxSend = 0.0
    var gather = 0.0
    if p > 1 {
      let t = s.tensorParallel
      let scatter = boundaryReplicated && t > 1
      gather =
        scatter
        ? cluster.collectiveTime(
          .allGather, bytes: boundaryBytes, group: models[0].group(alongAxes: [1])) : 0
      var seen: Set<Int> = []
      for stage in 0..<(p - 1) where seen.insert((stage * size) % perNode).inserted {
        let pair = cluster.group([stage * size, (stage + 1) * size])
        maxSend = max(
          maxSend,
          cluster.collectiveTime(
            .sendReceive, bytes: boundaryBytes / Double(scatter ? t : 1), group: pair))
      }
    }
    return Tallies(
      stages: stages, boundaryBytes: boundaryBytes, boundaryReplicated: boundaryReplicated,
      maxSend: maxSend, gather: gather)
  }

  /// (seconds per iteration, peak bytes per device) of the tallies under a schedule.
  func cost(
    _ tallies: Tallies, schedule: PipelineSchedule, interleave v: Int, microBatches m: Int
  ) -> (time: Double, memory: Double) {
    let p = tallies.stages.count
    let p2p = p > 1 ? 2 * Double(v) * (tallies.maxSend + tallies.gather) : 0
    let stageTime = tallies.stages.map { $0.microBatchTime + p2p }.max() ?? 0
    let pipeline = schedule.pipelineTime(
      stageTime: stageTime, stages: p, microBatches: m, chunks: v)
    let tail = tallies.stages.map { $0.gradientSyncExposed + $0.optimizerStep }.max() ?? 0
    let peak =
      tallies.stages.indices.map { stage in
        let t = tallies.stages[stage]
        return t.stateBytes + t.activationBytes
          * schedule.inFlightMicroBatches(stage: stage, stages: p, microBatches: m, chunks: v)
          + t.workspaceBytes
      }.max() ?? 0
    return (pipeline + tail, peak)
  }

  /// One layer's tally on `model` (full recomputation adds the rematerialised
  /// activations to the workspace, as the evaluator does).
  static func bodyTally(
    _ block: Block, config: GraphConfiguration, layouts: [TensorID: TensorLayout],
    model: AnalyticalStageCost
  ) -> StageTally {
    var body = StageTally()
    for (index, node) in block.body.nodes.enumerated() {
      guard let op = config.operatorConfiguration(at: index) else { continue }
      body.accumulate(
        opTally(
          node, graph: block.body, config: op, layouts: layouts, model: model, insideBlock: true))
    }
    if model.options.recomputation == .full {
      var plain = model
      plain.options.recomputation = .none
      var all = 0.0
      for (index, node) in block.body.nodes.enumerated() {
        guard let op = config.operatorConfiguration(at: index) else { continue }
        all +=
          plain.breakdown(of: node, in: block.body, configuration: op, insideBlock: true)
          .activationBytes
      }
      body.workspaceBytes += all
    }
    return body
  }

  /// `count` layers of one tally (sums scaled, maxima kept).
  static func scaled(_ tally: StageTally, by count: Int) -> StageTally {
    var result = tally
    let c = Double(count)
    result.forward *= c
    result.backward *= c
    result.recompute *= c
    result.tensorParallel *= c
    result.parameterGather *= c
    result.gradientSyncExposed *= c
    result.gradientSync *= c
    result.optimizerStep *= c
    result.weightBytes *= c
    result.gradientBytes *= c
    result.optimizerBytes *= c
    result.activationBytes *= c
    return result
  }

  /// One operator's cost plus the re-layouts of its inputs (as the evaluator's).
  static func opTally(
    _ node: Node, graph: Graph, config: OpConfiguration, layouts: [TensorID: TensorLayout],
    model: AnalyticalStageCost, insideBlock: Bool
  ) -> StageTally {
    var tally = StageTally()
    guard let op = node.op else { return tally }
    tally.accumulate(
      model.breakdown(of: node, in: graph, configuration: config, insideBlock: insideBlock))
    let inputs = graph.inputTensors(of: node)
    let dims = op.parallelDimensions(
      inputs: inputs.map(\.shape), output: graph.outputTensor(of: node).shape)
    guard config.isValid(for: dims, on: model.mesh) else { return tally }
    let placement = config.placement(dimensions: dims, inputCount: inputs.count, on: model.mesh)
    for (position, id) in node.inputs.enumerated() {
      guard let produced = layouts[id] else { continue }
      tally.tensorParallel += model.relayoutTime(
        of: graph.tensors[id], from: produced, to: placement.inputs[position],
        gradientFrom: placement.inputGradients[position], gradientTo: produced)
    }
    return tally
  }
}

extension UniformPipelineCost {
  /// The screened costs of a family's combinations, by increasing micro-batch
  /// size, stopping after the first size at which nothing fits.
  func screen(
    _ family: OuterSpace.Family, graphs: GraphCache, request: PlanRequest,
    cache: inout [LayoutKey: Layouts]
  ) -> [(ParallelStrategy, Planner.Cost)] {
    var results: [(ParallelStrategy, Planner.Cost)] = []
    for group in family.groups {
      guard let graph = graphs.graph(for: group.base) else { continue }
      let m = request.batch / (group.base.dataParallel * group.base.microBatchSize)
      var byInterleave: [Int: Tallies] = [:]
      var anyFits = false
      for s in group.strategies {
        let tallies =
          byInterleave[s.interleave]
          ?? tallies(
            graph: graph, strategy: s, microBatches: m, interleave: s.interleave, layouts: &cache)
        byInterleave[s.interleave] = tallies
        let cost = cost(tallies, schedule: s.schedule, interleave: s.interleave, microBatches: m)
        anyFits = anyFits || cost.memory <= request.memoryLimit
        results.append((s, Planner.Cost(time: cost.time, memory: cost.memory)))
      }
      if !anyFits { break }
    }
    return results
  }
}
