import TensorOptGraph

extension StageCostModel {
  /// The total cost of `graph` under `configuration` on this stage: the sum of
  /// every operator's ``cost(of:in:configuration:)`` and every edge's
  /// ``relayoutCost(of:from:to:gradientFrom:gradientTo:)``, block bodies costed
  /// once and multiplied by their repeat count, plus the cost of every top-level
  /// tied weight used in another layout than its owner's
  /// (``tiedWeightCost(owner:configuration:tied:configuration:in:)``).
  ///
  /// This is exactly what a search summing node and edge vectors finds for the
  /// same strategy, and what `tensoropt evaluate` reports for one pipeline stage
  /// (time without bubble or p2p; memory without the transient workspace).
  /// Graph inputs arrive in the layout their first consumer wants (free); a
  /// block's body sees its input in the steady-state layout (the block's output
  /// layout), and the change from the producer's layout is paid once.
  public func totalCost(
    of graph: Graph, configuration: GraphConfiguration, inputLayouts: [TensorID: TensorLayout] = [:]
  ) -> CostVector {
    let layouts = UniformLayout.producedLayouts(
      graph: graph, configuration: configuration, mesh: mesh, inputLayouts: inputLayouts)
    var total = CostVector.zero
    for (index, node) in graph.nodes.enumerated() {
      switch (node.content, configuration.nodes[safe: index]) {
      case (.op(let op), .op(let config)?):
        total += cost(of: node, in: graph, configuration: config)
        let inputs = graph.inputTensors(of: node)
        let dims = op.parallelDimensions(
          inputs: inputs.map(\.shape), output: graph.outputTensor(of: node).shape)
        guard config.isValid(for: dims, on: mesh) else { continue }
        let placement = config.placement(dimensions: dims, inputCount: inputs.count, on: mesh)
        for (slot, id) in node.inputs.enumerated() {
          guard let produced = layouts[id] else { continue }
          total += relayoutCost(
            of: graph.tensors[id], from: produced, to: placement.inputs[slot],
            gradientFrom: placement.inputGradients[slot], gradientTo: produced)
        }
      case (.block(let block), .block(let body)?):
        let steady = layouts[node.output] ?? .replicated(meshAxes: mesh.shape.count)
        let outer = layouts[node.inputs[0]] ?? steady
        total += relayoutCost(
          of: graph.tensors[node.inputs[0]], from: outer, to: steady, gradientFrom: steady,
          gradientTo: outer)
        let layer = totalCost(
          of: block.body, configuration: body, inputLayouts: [block.body.inputs[0]: steady])
        total += CostVector(
          time: layer.time * Double(block.repeatCount),
          memory: layer.memory * Double(block.repeatCount))
      default:
        continue
      }
    }
    for pair in graph.tiedPairs {
      guard case .op(let stored)? = configuration.nodes[safe: pair.owner],
        case .op(let used)? = configuration.nodes[safe: pair.tied]
      else { continue }
      total += tiedWeightCost(
        owner: graph.nodes[pair.owner], configuration: stored, tied: graph.nodes[pair.tied],
        configuration: used, in: graph)
    }
    return total
  }
}
