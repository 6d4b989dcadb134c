import TensorOptGraph

/// A configuration for every node of a graph: an ``OpConfiguration`` per
/// operator, and for a block node the configuration of its body (stored once,
/// applied at every repetition).
public struct GraphConfiguration: Hashable, Sendable {
  /// One entry per node of the graph, in node order.
  public var nodes: [NodeConfiguration]

  /// Creates a graph configuration.
  public init(nodes: [NodeConfiguration]) { self.nodes = nodes }

  /// The operator configuration of node `index`, or `nil` for a block.
  public func operatorConfiguration(at index: Int) -> OpConfiguration? {
    guard nodes.indices.contains(index), case .op(let configuration) = nodes[index] else {
      return nil
    }
    return configuration
  }
}

/// The configuration of one node.
public indirect enum NodeConfiguration: Hashable, Sendable {
  /// An operator's configuration.
  case op(OpConfiguration)
  /// A block body's configuration.
  case block(GraphConfiguration)
}
