import TensorOptGraph

/// The size of a dimension in a model description: fixed, or bound when the
/// graph is instantiated.
enum SymbolicSize: Hashable, Sendable {
  /// A constant extent.
  case fixed(Int)
  /// The (micro-)batch size.
  case batch
  /// The sequence length.
  case sequence
}

/// One dimension of a symbolic shape: a label and a size.
struct SymbolicDimension: Hashable, Sendable {
  var label: String
  var size: SymbolicSize

  static let batch = SymbolicDimension(label: "batch", size: .batch)
  static let sequence = SymbolicDimension(label: "seq", size: .sequence)

  /// A fixed-size dimension.
  static func fixed(_ label: String, _ size: Int) -> SymbolicDimension {
    SymbolicDimension(label: label, size: .fixed(size))
  }
}

/// A named tensor with a symbolic shape: a graph input or a block's input.
struct TensorDeclaration: Sendable {
  var name: String
  var shape: [SymbolicDimension]
  /// `nil`: the model's training dtype.
  var dtype: DType?
}

/// One entry of an `ops` list: an operator, or a block applied several times.
struct OperationDescription: Sendable {
  enum Content: Sendable {
    case op(Operator)
    case block(name: String, repeatCount: Int)
  }

  var name: String
  var content: Content
  var inputs: [String]
  /// The tensor the entry produces.
  var output: String
  /// The declared output shape (operators only; a block's output has its input's shape).
  var shape: [SymbolicDimension]
  /// `nil`: the model's training dtype.
  var dtype: DType?

  /// An operator entry whose output tensor is named after the operator.
  static func op(
    _ name: String, _ kind: OperatorKind, _ inputs: [String], _ shape: [SymbolicDimension],
    _ configure: (inout OperatorAttributes) -> Void = { _ in }
  ) -> OperationDescription {
    var attributes = OperatorAttributes()
    configure(&attributes)
    return OperationDescription(
      name: name, content: .op(Operator(kind, attributes: attributes)), inputs: inputs,
      output: name, shape: shape,
      dtype: nil)
  }

  /// A repeated-block entry whose output tensor is named after the entry.
  static func block(_ name: String, _ block: String, repeat count: Int, input: String)
    -> OperationDescription
  {
    OperationDescription(
      name: name, content: .block(name: block, repeatCount: count), inputs: [input], output: name,
      shape: [],
      dtype: nil)
  }
}

/// A block body: one input, a list of operations, one output.
struct BlockDescription: Sendable {
  var input: TensorDeclaration
  var output: String
  var operations: [OperationDescription]
}

/// A whole model as a model file describes it, with shapes still symbolic in
/// the batch size and the sequence length.
///
/// Native model.json files and Hugging Face configurations both become a
/// description; ``graph(batchSize:sequenceLength:)`` instantiates it.
struct ModelDescription: Sendable {
  var name: String
  var family: ModelFamily
  var defaults: TrainingDefaults
  var inputs: [TensorDeclaration]
  var operations: [OperationDescription]
  var blocks: [String: BlockDescription]
  var outputs: [String]
  /// The file errors are attributed to.
  var file: String

  /// The model, validated by building its graph once at the default sizes.
  func model(source: String) throws(ModelLoadError) -> Model {
    try checkTies()
    _ = try graph(batchSize: 1, sequenceLength: defaults.sequenceLength)
    let description = self
    return Model(name: name, family: family, defaults: defaults, source: source) {
      batchSize, sequenceLength in
      try description.graph(batchSize: batchSize, sequenceLength: sequenceLength)
    }
  }
}
