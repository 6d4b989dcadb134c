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
        var perStage: [StageTally] = []
        for model in models {
          var body = StageTally()
          for (bodyIndex, bodyNode) in block.body.nodes.enumerated() {
            guard let config = bodyConfig.operatorConfiguration(at: bodyIndex) else { continue }
            body.add(
              opTally(
                bodyNode, graph: block.body, config: config, layouts: bodyLayouts, model: model,
                insideBlock: true))
          }
          if model.options.recomputation == .full {
            // Backward of a fully recomputed layer rematerialises its activations.
            var plain = model
            plain.options.recomputation = .none
            var all = 0.0
            for (bodyIndex, bodyNode) in block.body.nodes.enumerated() {
              guard let config = bodyConfig.operatorConfiguration(at: bodyIndex) else { continue }
              all +=
                plain.breakdown(
                  of: bodyNode, in: block.body, configuration: config, insideBlock: true
                ).activationBytes
            }
            body.workspaceBytes += all
          }
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
    var tally = StageTally()
    guard
      let shard = model.shardCost(
        of: node, in: graph, configuration: config, insideBlock: insideBlock,
        producedLayouts: layouts)
    else { return (tally, 0) }
    let cost = model.breakdown(of: shard)
    tally.add(cost, name: node.name)
    tally.tensorParallel += shard.inputRelayout
    return (tally, cost.parameters)
  }
}
