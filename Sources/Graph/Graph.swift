/// A directed acyclic graph of operators and repeated blocks.
///
/// Nodes are stored in a topological order: every node's inputs are graph inputs
/// or outputs of earlier nodes. Graphs compare by value (tensors, nodes, blocks'
/// bodies), e.g. to key what is computed from a block body.
public struct Graph: Hashable, Sendable {
  /// Every tensor of this graph (not of nested blocks); a ``TensorID`` indexes it.
  public var tensors: [Tensor]
  /// The nodes, topologically sorted.
  public var nodes: [Node]
  /// Tensors fed from outside (token ids, images, or a block's input).
  public var inputs: [TensorID]
  /// Tensors the graph produces for its caller (the loss, or a block's output).
  public var outputs: [TensorID]

  /// Creates a graph. The caller guarantees the topological order.
  public init(tensors: [Tensor], nodes: [Node], inputs: [TensorID], outputs: [TensorID]) {
    self.tensors = tensors
    self.nodes = nodes
    self.inputs = inputs
    self.outputs = outputs
    assert(isTopologicallySorted, "graph nodes must be topologically sorted")
  }

  /// The shapes of a node's inputs.
  public func inputTensors(of node: Node) -> [Tensor] { node.inputs.map { tensors[$0] } }

  /// The tensor a node produces.
  public func outputTensor(of node: Node) -> Tensor { tensors[node.output] }

  var isTopologicallySorted: Bool {
    var available = Set(inputs)
    for node in nodes {
      guard node.inputs.allSatisfy(available.contains) else { return false }
      available.insert(node.output)
    }
    return true
  }
}

/// A node: one operator, or a block repeated a number of times.
public struct Node: Hashable, Sendable {
  /// What a node contains.
  public enum Content: Hashable, Sendable {
    /// A single operator.
    case op(Operator)
    /// A block whose body is applied ``Block/repeatCount`` times in sequence.
    case block(Block)
  }

  /// The node's name (unique within its graph).
  public var name: String
  /// The operator or block.
  public var content: Content
  /// Input tensors, in the operator's argument order.
  public var inputs: [TensorID]
  /// The tensor produced.
  public var output: TensorID

  /// Creates a node.
  public init(name: String, content: Content, inputs: [TensorID], output: TensorID) {
    self.name = name
    self.content = content
    self.inputs = inputs
    self.output = output
  }

  /// The operator, when the node is one.
  public var op: Operator? {
    if case .op(let op) = content { return op }
    return nil
  }

  /// The block, when the node is one.
  public var block: Block? {
    if case .block(let block) = content { return block }
    return nil
  }
}

/// A sub-graph applied several times in sequence, e.g. the layers of a transformer.
///
/// The body has exactly one input and one output of the same shape, so that
/// repetition chains: the output of one application feeds the next.
/// The body is stored once whatever the repeat count.
public struct Block: Hashable, Sendable {
  /// The block's name, e.g. `"layer"`.
  public var name: String
  /// The body applied at each repetition.
  public var body: Graph
  /// How many times the body is applied.
  public var repeatCount: Int

  /// Creates a block.
  public init(name: String, body: Graph, repeatCount: Int) {
    self.name = name
    self.body = body
    self.repeatCount = repeatCount
  }
}
