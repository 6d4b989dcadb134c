/// An error found while building a graph: names the node (or tensor) and what is wrong.
public struct GraphError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The node or tensor the problem is about.
  public var subject: String
  /// What is wrong, in one line.
  public var message: String

  /// Creates an error about `subject`.
  public init(_ subject: String, _ message: String) {
    self.subject = subject
    self.message = message
  }

  public var description: String { "\(subject): \(message)" }
}

/// Builds a ``Graph`` node by node, checking every shape on the way.
///
/// Nodes must be added in a topological order (inputs before their consumers);
/// model-file importers sort before they build.
public struct GraphBuilder: Sendable {
  private var tensors: [Tensor] = []
  private var nodes: [Node] = []
  private var inputs: [TensorID] = []
  private var tensorIDs: [String: TensorID] = [:]
  private var nodeNames: Set<String> = []

  /// An empty builder.
  public init() {}

  /// The tensor with this name, if one was added.
  public func tensor(named name: String) -> TensorID? { tensorIDs[name] }

  /// The tensor for an id returned by this builder.
  public subscript(id: TensorID) -> Tensor { tensors[id] }

  /// Declares a graph input.
  @discardableResult
  public mutating func input(_ name: String, shape: Shape, dtype: DType) throws(GraphError)
    -> TensorID
  {
    try newTensor(Tensor(name: name, shape: shape, dtype: dtype))
  }

  /// Adds an operator producing a new tensor `output` of the declared `shape`.
  ///
  /// - Throws: ``GraphError`` naming the node when a name is reused, a dimension
  ///   is not positive, or the declared shape is not what the operator produces.
  @discardableResult
  public mutating func add(
    _ name: String, _ op: Operator, inputs: [TensorID], output: String, shape: Shape,
    dtype: DType? = nil
  ) throws(GraphError) -> TensorID {
    try claim(name)
    let inputShapes = inputs.map { tensors[$0].shape }
    if let problem = op.shapeProblem(inputs: inputShapes, output: shape) {
      throw GraphError(name, "\(op.kind.rawValue): \(problem)")
    }
    if op.kind == .embedding, let ids = inputs.first, tensors[ids].dtype.isFloatingPoint {
      throw GraphError(
        name,
        "embedding input '\(tensors[ids].name)' must hold integer ids, not \(tensors[ids].dtype)")
    }
    let inputTypes = inputs.map { tensors[$0].dtype }
    let outputDType = dtype ?? inputTypes.first(where: \.isFloatingPoint) ?? .fp32
    let id = try newTensor(Tensor(name: output, shape: shape, dtype: outputDType), node: name)
    nodes.append(Node(name: name, content: .op(op), inputs: inputs, output: id))
    return id
  }

  /// Adds `body` applied `count` times in sequence to `input`, producing `output`.
  ///
  /// `blockName` names the body (e.g. `"layer"`; nodes applying the same body
  /// share it); it defaults to the node's name.
  @discardableResult
  public mutating func repeatBlock(
    _ name: String, body: Graph, count: Int, input: TensorID, output: String,
    blockName: String? = nil
  ) throws(GraphError) -> TensorID {
    try claim(name)
    guard count > 0 else { throw GraphError(name, "repeat count must be positive, got \(count)") }
    guard body.inputs.count == 1, body.outputs.count == 1 else {
      throw GraphError(name, "a repeated block needs exactly one input and one output")
    }
    let bodyIn = body.tensors[body.inputs[0]]
    let bodyOut = body.tensors[body.outputs[0]]
    guard bodyIn.shape.sizes == bodyOut.shape.sizes else {
      throw GraphError(
        name,
        "block output \(bodyOut.shape.sizes) must have its input's shape \(bodyIn.shape.sizes) to repeat"
      )
    }
    guard tensors[input].shape.sizes == bodyIn.shape.sizes else {
      throw GraphError(
        name,
        "input '\(tensors[input].name)' has shape \(tensors[input].shape.sizes), block expects \(bodyIn.shape.sizes)"
      )
    }
    let id = try newTensor(
      Tensor(name: output, shape: bodyOut.shape, dtype: bodyOut.dtype), node: name)
    nodes.append(
      Node(
        name: name, content: .block(Block(name: blockName ?? name, body: body, repeatCount: count)),
        inputs: [input], output: id))
    return id
  }

  /// The finished graph with the given outputs.
  public func build(outputs: [TensorID]) -> Graph {
    Graph(tensors: tensors, nodes: nodes, inputs: inputs, outputs: outputs)
  }

  private mutating func claim(_ name: String) throws(GraphError) {
    guard nodeNames.insert(name).inserted else { throw GraphError(name, "duplicate node name") }
  }

  private mutating func newTensor(_ tensor: Tensor, node: String? = nil) throws(GraphError)
    -> TensorID
  {
    guard tensorIDs[tensor.name] == nil else {
      throw GraphError(node ?? tensor.name, "tensor '\(tensor.name)' is defined twice")
    }
    if let bad = tensor.shape.first(where: { $0.size <= 0 }) {
      throw GraphError(
        node ?? tensor.name, "tensor '\(tensor.name)' has non-positive dimension \(bad)")
    }
    guard tensor.shape.elementCount != nil else {
      throw GraphError(
        node ?? tensor.name, "tensor '\(tensor.name)' has more elements than fit in 64 bits")
    }
    let id = tensors.count
    tensors.append(tensor)
    tensorIDs[tensor.name] = id
    if node == nil { inputs.append(id) }
    return id
  }
}
