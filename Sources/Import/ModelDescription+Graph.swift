import TensorOptGraph

extension ModelDescription {
  /// The largest repeat count a block may have.
  static let maximumRepeatCount = 1_000_000

  /// How deeply blocks may nest (a block applying a block applying a block ...).
  static let maximumBlockDepth = 32

  /// The most nodes a graph may have counting every block application's body
  /// (repeats not expanded): the work of one walk over the graph, which
  /// metrics and listings do.
  static let maximumUnrolledNodeCount = 1_000_000

  /// The most operators a model may have with blocks expanded by their repeat
  /// counts (10^12): keeps operator counts in `Int` and FLOPs finite.
  static let maximumExpandedOperatorCount = 1_000_000_000_000

  /// Builds the graph for `batchSize` samples of `sequenceLength` tokens.
  ///
  /// - Throws: ``ModelLoadError`` naming the file and the op, block or tensor at
  ///   fault: a dangling tensor, a cycle, a shape the operator does not produce,
  ///   a non-positive or overflowing dimension.
  func graph(batchSize: Int, sequenceLength: Int?) throws(ModelLoadError) -> Graph {
    do throws(ModelLoadError) {
      guard batchSize > 0 else {
        throw ModelLoadError("batch", "batch size must be positive, got \(batchSize)")
      }
      if let sequenceLength, sequenceLength <= 0 {
        throw ModelLoadError("seq", "sequence length must be positive, got \(sequenceLength)")
      }
      var instantiation = Instantiation(
        description: self, batchSize: batchSize, sequenceLength: sequenceLength)
      let graph = try instantiation.build()
      try ParameterBudget.check(graph)
      return graph
    } catch {
      throw error.inFile(file)
    }
  }
}

/// The state of one instantiation: bound sizes and the block bodies built so far.
private struct Instantiation {
  let description: ModelDescription
  let batchSize: Int
  let sequenceLength: Int?
  var bodies: [String: Graph] = [:]
  /// The size of each body in `bodies`.
  var sizes: [String: GraphSize] = [:]

  init(description: ModelDescription, batchSize: Int, sequenceLength: Int?) {
    self.description = description
    self.batchSize = batchSize
    self.sequenceLength = sequenceLength
  }

  mutating func build() throws(ModelLoadError) -> Graph {
    var builder = GraphBuilder()
    for input in description.inputs {
      let shape = try bind(input.shape, subject: "input '\(input.name)'")
      do {
        try builder.input(
          input.name, shape: shape, dtype: input.dtype ?? description.defaults.dtype)
      } catch {
        throw ModelLoadError("input '\(input.name)'", error.message)
      }
    }
    try add(description.operations, to: &builder, scope: "", visiting: [])
    var outputs: [TensorID] = []
    for (index, name) in description.outputs.enumerated() {
      guard let id = builder.tensor(named: name) else {
        throw ModelLoadError("outputs[\(index)]", "no tensor named '\(name)'")
      }
      outputs.append(id)
    }
    return builder.build(outputs: outputs)
  }

  /// Binds the batch and sequence symbols of a shape.
  func bind(_ shape: [SymbolicDimension], subject: String) throws(ModelLoadError) -> Shape {
    var result: Shape = []
    for dimension in shape {
      switch dimension.size {
      case .fixed(let size): result.append(Dimension(dimension.label, size))
      case .batch: result.append(Dimension(dimension.label, batchSize))
      case .sequence:
        guard let sequenceLength else {
          throw ModelLoadError(subject, "shape uses 'seq' but the model has no sequence length")
        }
        result.append(Dimension(dimension.label, sequenceLength))
      }
    }
    return result
  }

  /// Adds `operations`, sorted topologically, to `builder`.
  ///
  /// - Returns: the size of what was added, nested blocks included.
  @discardableResult
  mutating func add(
    _ operations: [OperationDescription], to builder: inout GraphBuilder, scope: String,
    visiting: [String]
  ) throws(ModelLoadError) -> GraphSize {
    var size = GraphSize()
    let order = try TopologicalSort.order(operations, scope: scope) {
      builder.tensor(named: $0) != nil
    }
    for index in order {
      let operation = operations[index]
      let subject = "\(scope)op '\(operation.name)'"
      var inputs: [TensorID] = []
      for (position, name) in operation.inputs.enumerated() {
        guard let id = builder.tensor(named: name) else {
          throw ModelLoadError(subject, "inputs[\(position)]: no tensor named '\(name)'")
        }
        inputs.append(id)
      }
      switch operation.content {
      case .op(let op):
        let shape = try bind(operation.shape, subject: subject)
        do {
          try builder.add(
            operation.name, op, inputs: inputs, output: operation.output, shape: shape,
            dtype: operation.dtype ?? description.defaults.dtype)
        } catch {
          throw ModelLoadError(subject, error.message)
        }
        try size.add(GraphSize(unrolledNodes: 1, expandedOperators: 1), subject: subject)
      case .block(let blockName, let count):
        guard (1...ModelDescription.maximumRepeatCount).contains(count) else {
          throw ModelLoadError(
            subject,
            "repeat must be between 1 and \(ModelDescription.maximumRepeatCount), got \(count)")
        }
        guard inputs.count == 1 else {
          throw ModelLoadError(subject, "a block takes exactly one input, got \(inputs.count)")
        }
        let body = try body(of: blockName, subject: subject, visiting: visiting)
        do {
          try builder.repeatBlock(
            operation.name, body: body, count: count, input: inputs[0], output: operation.output,
            blockName: blockName)
        } catch {
          throw ModelLoadError(subject, error.message)
        }
        var application = sizes[blockName, default: GraphSize()]
        application.unrolledNodes += 1  // the block node itself
        try size.add(application, repeated: count, subject: subject)
      }
    }
    return size
  }

  /// The body of block `name`, built once per instantiation.
  mutating func body(of name: String, subject: String, visiting: [String]) throws(ModelLoadError)
    -> Graph
  {
    if let body = bodies[name] { return body }
    guard let block = description.blocks[name] else {
      let known = description.blocks.keys.sorted().joined(separator: ", ")
      throw ModelLoadError(
        subject, "block: no block named '\(name)' (blocks: \(known.isEmpty ? "none" : known))")
    }
    guard !visiting.contains(name) else {
      throw ModelLoadError(
        "block '\(name)'", "contains itself: \((visiting + [name]).joined(separator: " → "))")
    }
    guard visiting.count < ModelDescription.maximumBlockDepth else {
      throw ModelLoadError(
        "block '\(name)'",
        "blocks nest more than \(ModelDescription.maximumBlockDepth) deep: \((visiting + [name]).joined(separator: " → "))"
      )
    }
    let scope = "block '\(name)': "
    var builder = GraphBuilder()
    let inputShape = try bind(block.input.shape, subject: "block '\(name)': input")
    do {
      try builder.input(
        block.input.name, shape: inputShape, dtype: block.input.dtype ?? description.defaults.dtype)
    } catch {
      throw ModelLoadError("block '\(name)': input", error.message)
    }
    let size = try add(block.operations, to: &builder, scope: scope, visiting: visiting + [name])
    guard let output = builder.tensor(named: block.output) else {
      throw ModelLoadError("block '\(name)'", "output: no tensor named '\(block.output)'")
    }
    let body = builder.build(outputs: [output])
    bodies[name] = body
    sizes[name] = size
    return body
  }
}

/// How big a graph is: nodes counting every block application's body once,
/// and operators with blocks expanded by their repeat counts.
struct GraphSize {
  var unrolledNodes = 0
  var expandedOperators = 0

  /// Adds `count` applications of a block of size `body` (or one operator),
  /// throwing about `subject` when a limit is passed.
  mutating func add(_ body: GraphSize, repeated count: Int = 1, subject: String)
    throws(ModelLoadError)
  {
    let unrolled = unrolledNodes.addingReportingOverflow(body.unrolledNodes)
    guard !unrolled.overflow, unrolled.partialValue <= ModelDescription.maximumUnrolledNodeCount
    else {
      throw ModelLoadError(
        subject,
        "the graph has more than \(ModelDescription.maximumUnrolledNodeCount) nodes counting each block application's body"
      )
    }
    let repeated = body.expandedOperators.multipliedReportingOverflow(by: count)
    let expanded = expandedOperators.addingReportingOverflow(repeated.partialValue)
    guard !repeated.overflow, !expanded.overflow,
      expanded.partialValue <= ModelDescription.maximumExpandedOperatorCount
    else {
      throw ModelLoadError(
        subject, "the model has more than 10^12 operators with blocks expanded")
    }
    unrolledNodes = unrolled.partialValue
    expandedOperators = expanded.partialValue
  }
}
