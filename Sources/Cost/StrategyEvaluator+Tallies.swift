import TensorOptGraph

extension StrategyEvaluator {
  /// The per-chunk tallies of `graph` (built for one micro-batch of every
  /// replica) on the stage meshes, plus the bytes one device holds of the
  /// activation crossing pipeline stages and whether the tensor-parallel ranks
  /// hold identical copies of it (mesh axis 1 replicated).
  ///
  /// Layers of repeated blocks are dealt to chunks as `partition` says;
  /// operators before the first layer go to chunk 0, others to the chunk of the
  /// preceding layer. Each block body is costed once per pipeline stage and added
  /// once per layer it has in a chunk (never expanded). A tied operator on
  /// another stage than its owner costs as the owner of a replica
  /// (``TiedWeight``), and both stages pay the tied gradient's all-reduce.
  func chunkTallies(
    graph: Graph, configuration: GraphConfiguration, models: [AnalyticalStageCost],
    partition: LayerPartition, notes: inout [String]
  ) -> (tallies: [StageTally], boundaryBytes: Double, boundaryReplicated: Bool) {
    let stages = models.count
    let chunks = partition.chunks
    let mesh = models[0].mesh
    let layouts = UniformLayout.producedLayouts(
      graph: graph, configuration: configuration, mesh: mesh)
    var tallies = Array(repeating: StageTally(), count: chunks)
    var replicas: [Int: TiedWeight] = [:]
    if stages > 1 {
      for tie in TiedWeight.ties(in: graph)
      where partition.chunk(afterLayers: tie.tiedLayersBefore) % stages
        != partition.chunk(afterLayers: tie.ownerLayersBefore) % stages
      {
        replicas[tie.tied] = tie
      }
    }
    var layer = 0
    var boundaryBytes = 0.0
    var boundaryReplicated = false
    let fb = models[0].options.dtype.activationBytes
    for (index, node) in graph.nodes.enumerated() {
      let current = partition.chunk(afterLayers: layer)
      switch (node.content, configuration.nodes[safe: index]) {
      case (.op, .op(let config)?):
        let model = models[current % stages]
        guard let tie = replicas[index] else {
          tallies[current].add(
            opTally(
              node, graph: graph, config: config, layouts: layouts, model: model,
              insideBlock: false))
          continue
        }
        let replica = opTallyAndParameters(
          TiedWeight.replica(of: node), graph: graph, config: config, layouts: layouts,
          model: model, insideBlock: false)
        tallies[current].add(replica.tally)
        let ownerChunk = partition.chunk(afterLayers: tie.ownerLayersBefore)
        let allReduce = model.tiedGradientAllReduce(
          parameters: replica.parameters,
          partnerFirstDevice: models[ownerChunk % stages].firstDevice)
        for chunk in [current, ownerChunk] {
          tallies[chunk].gradientSync += allReduce
          tallies[chunk].gradientSyncExposed += allReduce
        }
      case (.block(let block), .block(let bodyConfig)?):
        let steady = layouts[node.output] ?? .replicated(meshAxes: mesh.shape.count)
        let outer = layouts[node.inputs[0]] ?? steady
        let input = graph.tensors[node.inputs[0]]
        boundaryBytes = max(
          boundaryBytes, steady.localBytes(input.byteCount(floatBytes: fb), mesh: mesh))
        boundaryReplicated =
          mesh.shape.count > 1 && steady.splitAxis[1] == nil && !steady.isPartial[1]
        let bodyLayouts = UniformLayout.producedLayouts(
          graph: block.body, configuration: bodyConfig, mesh: mesh,
          inputLayouts: [block.body.inputs[0]: steady])
        // Stages whose first devices sit at the same offset in their nodes
        // communicate in groups of the same shape: their layer tallies are equal.
        var perStage: [StageTally] = []
        var byOffset: [Int: StageTally] = [:]
        for model in models {
          let offset = model.firstDevice % max(model.cluster.devicesPerNode, 1)
          let body =
            byOffset[offset]
            ?? bodyTally(block, configuration: bodyConfig, layouts: bodyLayouts, model: model)
          byOffset[offset] = body
          perStage.append(body)
        }
        let entry = partition.chunk(ofLayer: layer)
        tallies[entry].tensorParallel += models[entry % stages].relayoutTime(
          of: input, from: outer, to: steady, gradientFrom: steady, gradientTo: outer)
        for offset in 0..<block.repeatCount {
          let target = partition.chunk(ofLayer: layer + offset)
          tallies[target].add(perStage[target % stages])
        }
        layer += block.repeatCount
      default:
        notes.append("node \(node.name) has no configuration; not costed")
      }
    }
    return (tallies, boundaryBytes, boundaryReplicated)
  }

  /// One layer of `block` on `model`: its operators' costs and re-layouts
  /// (from `layouts`); with full recomputation, backward rematerialises the
  /// layer's activations, which the workspace holds.
  func bodyTally(
    _ block: Block, configuration: GraphConfiguration, layouts: [TensorID: TensorLayout],
    model: AnalyticalStageCost
  ) -> StageTally {
    var body = StageTally()
    var shards: [OperatorShardCost?] = []
    for (index, node) in block.body.nodes.enumerated() {
      guard let config = configuration.operatorConfiguration(at: index) else { continue }
      let shard = model.shardCost(
        of: node, in: block.body, configuration: config, insideBlock: true,
        producedLayouts: layouts)
      shards.append(shard)
      body.add(opTally(shard, name: node.name, model: model).tally)
    }
    body.workspaceBytes += model.rematerialisedBytes(shards)
    return body
  }

  /// One operator's cost plus the re-layouts of its inputs.
  func opTally(
    _ node: Node, graph: Graph, config: OpConfiguration, layouts: [TensorID: TensorLayout],
    model: AnalyticalStageCost,
    insideBlock: Bool
  ) -> StageTally {
    opTallyAndParameters(
      node, graph: graph, config: config, layouts: layouts, model: model, insideBlock: insideBlock
    ).tally
  }

  /// One operator's cost plus the re-layouts of its inputs, and its local parameters.
  func opTallyAndParameters(
    _ node: Node, graph: Graph, config: OpConfiguration, layouts: [TensorID: TensorLayout],
    model: AnalyticalStageCost,
    insideBlock: Bool
  ) -> (tally: StageTally, parameters: Double) {
    opTally(
      model.shardCost(
        of: node, in: graph, configuration: config, insideBlock: insideBlock,
        producedLayouts: layouts), name: node.name, model: model)
  }

  /// The tally of an operator named `name` with shard cost `shard` on `model`,
  /// and its local parameters.
  func opTally(_ shard: OperatorShardCost?, name: String, model: AnalyticalStageCost)
    -> (tally: StageTally, parameters: Double)
  {
    var tally = StageTally()
    guard let shard else { return (tally, 0) }
    let cost = model.breakdown(of: shard)
    tally.add(cost, name: name)
    tally.tensorParallel += shard.inputRelayout
    return (tally, cost.parameters)
  }
}
