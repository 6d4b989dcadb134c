import TensorOptCost
import TensorOptGraph

/// A fast screen of uniform strategies: the same formulas as
/// `StrategyEvaluator.evaluate(graph:...)`, with the work shared where the
/// result cannot differ: operator and layer tallies are computed once per
/// distinct stage placement (a stage's first device modulo the node size decides
/// every group it communicates in), once per layer (``LayerCosts``, from which
/// any partition of the layers into stages is priced), and once for all
/// schedules and interleave factors of one (dp, tp, pp, micro-batch,
/// recomputation, sequence parallelism, ZeRO) combination.
///
/// Sums run in a different order than the evaluator's, so figures agree to
/// rounding; the planner re-costs every point it reports with the evaluator.
struct UniformPipelineCost {
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

  /// The per-layer costs of `s` (its schedule, interleave and stage layers
  /// ignored) on `graph`, `m` micro-batches, on every distinct stage placement.
  func layerCosts(
    graph: Graph, strategy s: ParallelStrategy, microBatches m: Int,
    layouts cache: inout [LayoutKey: Layouts]
  ) -> LayerCosts {
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
    let units = max(graph.layerCount, 1)
    var unit = Array(
      repeating: Array(repeating: StageTally(), count: units), count: models.count)
    let tiedNodes = Dictionary(
      TiedWeight.ties(in: graph).map { ($0.tied, $0) }, uniquingKeysWith: { first, _ in first })
    var ties: [LayerCosts.Tie] = []
    var layer = 0
    var boundaryBytes = 0.0
    var boundaryReplicated = false
    let fb = options.dtype.activationBytes
    for (index, node) in graph.nodes.enumerated() {
      switch (node.content, configuration.nodes[safe: index]) {
      case (.op, .op(let config)?):
        let attach = min(max(layer - 1, 0), units - 1)
        var tie = tiedNodes[index].map {
          LayerCosts.Tie(
            ownerLayersBefore: $0.ownerLayersBefore, tiedLayersBefore: $0.tiedLayersBefore)
        }
        for (placement, model) in models.enumerated() {
          let tally = Self.opTally(
            node, graph: graph, config: config, layouts: layouts, model: model,
            insideBlock: false)
          unit[placement][attach].accumulate(tally)
          guard tie != nil else { continue }
          let replica = TiedWeight.replica(of: node)
          tie?.tied.append(tally)
          tie?.replica.append(
            Self.opTally(
              replica, graph: graph, config: config, layouts: layouts, model: model,
              insideBlock: false))
          tie?.parameters =
            model.breakdown(of: replica, in: graph, configuration: config, insideBlock: false)
            .parameters
        }
        if let tie { ties.append(tie) }
      case (.block(let block), .block(let bodyConfig)?):
        let steady = layouts[node.output] ?? .replicated(meshAxes: mesh.shape.count)
        let outer = layouts[node.inputs[0]] ?? steady
        let input = graph.tensors[node.inputs[0]]
        boundaryBytes = max(
          boundaryBytes, steady.localBytes(input.byteCount(floatBytes: fb), mesh: mesh))
        boundaryReplicated =
          mesh.shape.count > 1 && steady.splitAxis[1] == nil && !steady.isPartial[1]
        let bodyLayouts = shared.bodies[index] ?? [:]
        for (placement, model) in models.enumerated() {
          let body = Self.bodyTally(block, config: bodyConfig, layouts: bodyLayouts, model: model)
          unit[placement][min(layer, units - 1)].tensorParallel += model.relayoutTime(
            of: input, from: outer, to: steady, gradientFrom: steady, gradientTo: outer)
          for offset in 0..<block.repeatCount {
            unit[placement][layer + offset].accumulate(body)
          }
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
    return LayerCosts(
      layers: graph.layerCount, stageSize: size, placementOf: placementOf, models: models,
      units: unit, ties: ties, maxSend: maxSend, gather: gather)
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
