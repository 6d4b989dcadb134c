import TensorOptGraph

/// A graph with its blocks unrolled: one operator per step, values numbered
/// across the whole model, each repetition of a block with its own parameters.
public struct FlatProgram: Sendable {
  /// A value (tensor) of the unrolled program.
  public struct Value: Sendable {
    /// The tensor's name, prefixed by its block repetition (`"layers[1]/h"`).
    public var name: String
    /// The whole tensor's extents.
    public var shape: [Int] { dimensions.sizes }
    /// The whole tensor's named dimensions.
    public var dimensions: Shape
    /// Its element type.
    public var dtype: DType
    /// The step producing it, or `nil` for a model input.
    public var producer: Int?
  }

  /// One operator application.
  public struct Step: Sendable {
    /// Unique name; prefixes the operator's parameter names (`"layers[1]/fc1"`).
    public var name: String
    /// The key of the operator's configuration in a strategy (`"layers/fc1"` for a
    /// block body node: every repetition shares its configuration).
    public var configurationKey: String
    /// The operator.
    public var op: Operator
    /// Input values, in argument order.
    public var inputs: [Int]
    /// The output value.
    public var output: Int
    /// The outermost block repetition this step belongs to (numbered from 0
    /// across the model), or `nil` outside blocks: the unit of full recomputation.
    public var segment: Int?
  }

  /// Every value.
  public internal(set) var values: [Value] = []
  /// The operators in execution order.
  public internal(set) var steps: [Step] = []
  /// The model inputs.
  public internal(set) var inputs: [Int] = []
  /// The model outputs (the loss first).
  public internal(set) var outputs: [Int] = []

  /// Unrolls `graph`.
  public init(_ graph: Graph) {
    var mapping: [TensorID: Int] = [:]
    for id in graph.inputs {
      mapping[id] = addValue(graph.tensors[id], prefix: "", producer: nil)
      inputs.append(mapping[id] ?? 0)
    }
    append(graph, mapping: &mapping, namePrefix: "", keyPrefix: "", segment: nil)
    outputs = graph.outputs.compactMap { mapping[$0] }
  }

  private mutating func addValue(_ tensor: Tensor, prefix: String, producer: Int?) -> Int {
    values.append(
      Value(
        name: prefix + tensor.name, dimensions: tensor.shape, dtype: tensor.dtype,
        producer: producer))
    return values.count - 1
  }

  /// The number of segments (outermost block repetitions).
  public internal(set) var segmentCount = 0

  private mutating func append(
    _ graph: Graph, mapping: inout [TensorID: Int], namePrefix: String, keyPrefix: String,
    segment: Int?
  ) {
    for node in graph.nodes {
      let inputs = node.inputs.compactMap { mapping[$0] }
      assert(inputs.count == node.inputs.count, "graph is not topologically sorted")
      switch node.content {
      case .op(let op):
        let output = addValue(graph.tensors[node.output], prefix: namePrefix, producer: steps.count)
        steps.append(
          Step(
            name: namePrefix + node.name, configurationKey: keyPrefix + node.name, op: op,
            inputs: inputs, output: output, segment: segment))
        mapping[node.output] = output
      case .block(let block):
        var current = inputs.first ?? 0
        for repetition in 0..<block.repeatCount {
          var inner: [TensorID: Int] = [:]
          if let bodyInput = block.body.inputs.first { inner[bodyInput] = current }
          var repetitionSegment = segment
          if segment == nil {
            repetitionSegment = segmentCount
            segmentCount += 1
          }
          append(
            block.body, mapping: &inner, namePrefix: "\(namePrefix)\(node.name)[\(repetition)]/",
            keyPrefix: "\(keyPrefix)\(node.name)/", segment: repetitionSegment)
          if let bodyOutput = block.body.outputs.first, let produced = inner[bodyOutput] {
            current = produced
          }
        }
        mapping[node.output] = current
      }
    }
  }

  /// How many steps consume each value.
  public var consumerCounts: [Int] {
    var counts = Array(repeating: 0, count: values.count)
    for step in steps { for input in step.inputs { counts[input] += 1 } }
    return counts
  }
}
