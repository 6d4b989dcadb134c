extension Graph {
  /// The metrics of one node (a block counts all its repetitions).
  public func metrics(of node: Node, floatBytes: Int) -> OperatorMetrics {
    switch node.content {
    case .op(let op):
      return op.metrics(
        inputs: inputTensors(of: node), output: outputTensor(of: node), floatBytes: floatBytes)
    case .block(let block):
      return block.body.totalMetrics(floatBytes: floatBytes).repeated(block.repeatCount)
    }
  }

  /// The metrics of the whole graph, blocks expanded by their repeat counts.
  ///
  /// Work is proportional to the number of distinct nodes, not to the depth of
  /// the model: each block body is visited once.
  public func totalMetrics(floatBytes: Int) -> OperatorMetrics {
    nodes.reduce(into: OperatorMetrics()) { $0 += metrics(of: $1, floatBytes: floatBytes) }
  }

  /// The number of operators with blocks expanded.
  public var expandedOperatorCount: Int {
    nodes.reduce(0) { count, node in
      switch node.content {
      case .op: count &+ 1
      case .block(let block): count &+ block.body.expandedOperatorCount &* block.repeatCount
      }
    }
  }

  /// The number of layers: the repetitions of every block.
  public var layerCount: Int {
    nodes.reduce(0) { $0 &+ ($1.block?.repeatCount ?? 0) }
  }
}
