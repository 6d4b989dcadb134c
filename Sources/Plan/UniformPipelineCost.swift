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
  /// bodies by node index), shared by every recomputation and ZeRO choice, with
  /// the graph's ties by tied node and its operators' memoised shard costs.
  struct Layouts {
    var configuration: GraphConfiguration
    var produced: [TensorID: TensorLayout]
    var bodies: [Int: [TensorID: TensorLayout]]
    var ties: [Int: TiedWeight]
    var shards: ShardMemo
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
    let ties = Dictionary(
      TiedWeight.ties(in: graph).map { ($0.tied, $0) }, uniquingKeysWith: { first, _ in first })
    return Layouts(
      configuration: configuration, produced: produced, bodies: bodies, ties: ties,
      shards: ShardMemo(graph: graph))
  }

  /// The per-layer costs of `s` (its schedule, interleave and stage layers
  /// ignored) on `graph`, `m` micro-batches, on every distinct stage placement.
  ///
  /// `cache` belongs to this screen (its cluster) and to one model: its
  /// entries are keyed by what else they depend on.
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
    // Taken out and put back, so that the memo grows in place.
    var shared =
      cache.removeValue(forKey: key)
      ?? Self.layouts(graph: graph, mesh: mesh, sequenceParallel: s.sequenceParallel)
    let options = TrainingOptions(
      dtype: s.dtype, optimizer: s.optimizer, zeroStage: s.zeroStage,
      recomputation: s.recomputation, microBatchCount: m)
    let perNode = max(cluster.devicesPerNode, 1)
    // One cost model per distinct placement; stages share their placement's tallies.
    var placementOf: [Int] = []
    var firstDevices: [Int] = []
    var placementKeys: [Int: Int] = [:]
    for stage in 0..<p {
      let key = (stage * size) % perNode
      if let known = placementKeys[key] {
        placementOf.append(known)
      } else {
        placementKeys[key] = firstDevices.count
        placementOf.append(firstDevices.count)
        firstDevices.append(stage * size)
      }
    }
    let models = firstDevices.map {
      AnalyticalStageCost(mesh: mesh, cluster: cluster, firstDevice: $0, options: options)
    }
    let units = max(graph.layerCount, 1)
    var unit: [[StageTally]] = []
    var ties: [LayerCosts.Tie] = []
    var boundary = (bytes: 0.0, replicated: false)
    for placement in models.indices {
      var slots = shared.shards.take(for: models[placement])
      let walk = Self.placementUnits(
        graph: graph, shared: shared, model: models[placement], units: units, slots: &slots)
      shared.shards.put(slots, for: models[placement])
      unit.append(walk.units)
      if placement == 0 {
        ties = walk.ties.map {
          LayerCosts.Tie(ownerLayersBefore: $0.owner, tiedLayersBefore: $0.tiedLayers)
        }
      }
      for (position, tie) in walk.ties.enumerated() {
        ties[position].tied.append(tie.tied)
        ties[position].replica.append(tie.replica)
        ties[position].parameters = tie.parameters
      }
      boundary = walk.boundary
    }
    cache[key] = shared
    let (boundaryBytes, boundaryReplicated) = boundary
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

  /// One placement's tied operator: its tally without and with a replica, and
  /// the replica's local parameters.
  struct PlacedTie {
    var owner: Int
    var tiedLayers: Int
    var tied: StageTally
    var replica: StageTally
    var parameters: Double
  }

  /// The layer units of `graph` on `model` (see ``LayerCosts``), its tied
  /// operators, and the bytes one device holds of the activation crossing
  /// stages and whether the tensor-parallel ranks hold identical copies of it.
  /// Nodes are read from the graph only when `slots` lacks their shard cost.
  static func placementUnits(
    graph: Graph, shared: Layouts, model: AnalyticalStageCost, units: Int,
    slots: inout [OperatorShardCost?]
  ) -> (units: [StageTally], ties: [PlacedTie], boundary: (bytes: Double, replicated: Bool)) {
    let layouts = shared.produced
    let mesh = model.mesh
    let fb = model.options.dtype.activationBytes
    var unit = Array(repeating: StageTally(), count: units)
    var ties: [PlacedTie] = []
    var boundary = (bytes: 0.0, replicated: false)
    var layer = 0
    for index in graph.nodes.indices {
      switch shared.configuration.nodes[safe: index] {
      case .op(let config)?:
        guard
          let shard = Self.shard(
            at: index, of: graph, config: config, layouts: layouts, model: model,
            insideBlock: false, slot: index, slots: &slots)
        else { continue }
        let tally = Self.tally(shard, model: model)
        unit[min(max(layer - 1, 0), units - 1)].accumulate(tally)
        guard let tie = shared.ties[index] else { continue }
        let replica = model.shardCost(
          of: TiedWeight.replica(of: graph.nodes[index]), in: graph, configuration: config,
          insideBlock: false, producedLayouts: layouts)
        ties.append(
          PlacedTie(
            owner: tie.ownerLayersBefore, tiedLayers: tie.tiedLayersBefore, tied: tally,
            replica: Self.tally(replica, model: model),
            parameters: replica.map { model.breakdown(of: $0).parameters } ?? 0))
      case .block(let bodyConfig)?:
        guard case .block(let block) = graph.nodes[index].content else { continue }
        let output = graph.nodes[index].output
        let inputID = graph.nodes[index].inputs[0]
        let steady = layouts[output] ?? .replicated(meshAxes: mesh.shape.count)
        let outer = layouts[inputID] ?? steady
        let input = graph.tensors[inputID]
        boundary.bytes = max(
          boundary.bytes, steady.localBytes(input.byteCount(floatBytes: fb), mesh: mesh))
        boundary.replicated =
          mesh.shape.count > 1 && steady.splitAxis[1] == nil && !steady.isPartial[1]
        let body = Self.bodyTally(
          block, config: bodyConfig, layouts: shared.bodies[index] ?? [:], model: model,
          firstSlot: shared.shards.bodyStart[index] ?? 0, slots: &slots)
        unit[min(layer, units - 1)].tensorParallel += model.relayoutTime(
          of: input, from: outer, to: steady, gradientFrom: steady, gradientTo: outer)
        for offset in 0..<block.repeatCount {
          unit[layer + offset].accumulate(body)
        }
        layer += block.repeatCount
      case nil:
        continue
      }
    }
    return (unit, ties, boundary)
  }

  /// One layer's tally on `model` (full recomputation adds the rematerialised
  /// activations to the workspace, as the evaluator does); the body's
  /// operators take the slots from `firstSlot` on.
  static func bodyTally(
    _ block: Block, config: GraphConfiguration, layouts: [TensorID: TensorLayout],
    model: AnalyticalStageCost, firstSlot: Int, slots: inout [OperatorShardCost?]
  ) -> StageTally {
    var body = StageTally()
    var shards: [OperatorShardCost?] = []
    for index in block.body.nodes.indices {
      guard let op = config.operatorConfiguration(at: index) else { continue }
      let shard = Self.shard(
        at: index, of: block.body, config: op, layouts: layouts, model: model, insideBlock: true,
        slot: firstSlot + index, slots: &slots)
      shards.append(shard)
      body.accumulate(Self.tally(shard, model: model))
    }
    body.workspaceBytes += model.rematerialisedBytes(shards)
    return body
  }
}
