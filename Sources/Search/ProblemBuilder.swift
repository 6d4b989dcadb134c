import TensorOptCost
import TensorOptGraph

/// Turns graph nodes into configuration-graph nodes and edges (see
/// ``StageProblem``).
struct ProblemBuilder {
  /// Where a tensor comes from, in the configuration graph under construction.
  enum Source {
    /// Fed from outside the stage: available in any layout at no cost (each
    /// device loads the part of the data it needs).
    case graphInput
    /// The output of an operator node.
    case op(Int)
    /// A boundary-tensor node.
    case tensor(Int)
  }

  typealias BlockHandler = (inout ProblemBuilder, Int, Block, Int) throws(SearchError) -> Int

  let costModel: any StageCostModel
  let pruning: Bool
  /// Top-level operator nodes (stage-graph indices) whose configurations are
  /// all kept: those sharing a tied weight, whose edge cost depends on more
  /// than their layouts.
  var keepsEveryConfiguration: Set<Int> = []
  var graph = ConfigurationGraph()
  var nodes: [ProblemNode] = []

  init(costModel: any StageCostModel, pruning: Bool) {
    self.costModel = costModel
    self.pruning = pruning
  }

  var mesh: DeviceMesh { costModel.mesh }

  /// The time unit costs are rounded to: 2⁻⁴⁰ s (about a picosecond).
  static let timeQuantum = 0x1p-40

  /// `cost` rounded to whole time quanta and whole bytes. Sums of such values
  /// (below 2⁵³ quanta, i.e. 8192 s) are exact in any order, so FT, brute force
  /// and re-costing agree to the last bit however they associate the additions.
  static func quantized(_ cost: CostVector) -> CostVector {
    CostVector(
      time: (cost.time / timeQuantum).rounded() * timeQuantum, memory: cost.memory.rounded())
  }

  /// Adds every node of `subgraph`; `block` handles block nodes, receiving the
  /// boundary node of the block's input and returning that of its output.
  mutating func add(
    _ subgraph: Graph, sources: inout [TensorID: Source], location: ProblemNode.Location,
    block: BlockHandler
  ) throws(SearchError) {
    for (index, node) in subgraph.nodes.enumerated() {
      switch node.content {
      case .op(let op):
        let id = addOperator(
          op, node: node, index: index, in: subgraph, sources: sources, location: location)
        sources[node.output] = .op(id)
      case .block(let body):
        guard let inputID = node.inputs.first, let source = sources[inputID] else {
          throw SearchError("block '\(node.name)' has no input")
        }
        let input: Int
        if case .tensor(let existing) = source {
          input = existing
        } else {
          input = tensorNode(
            subgraph.tensors[inputID], id: inputID, boundary: nil, location: location)
          connect(source, tensor: subgraph.tensors[inputID], toBoundary: input)
        }
        sources[node.output] = .tensor(try block(&self, index, body, input))
      }
    }
  }

  /// Adds a boundary-tensor node (zero cost per candidate layout).
  mutating func tensorNode(
    _ tensor: Tensor, id: TensorID, boundary: Int?, location: ProblemNode.Location
  ) -> Int {
    let layouts = TensorLayout.candidates(for: tensor.shape, on: mesh)
    nodes.append(
      ProblemNode(location: location, content: .tensor(id, boundary: boundary, layouts: layouts)))
    return graph.addNode(costs: Array(repeating: .zero, count: layouts.count))
  }

  /// The layout a source node's configuration produces, and the layout its
  /// gradient must be returned in.
  func produced(by node: Int, configuration: Int) -> (layout: TensorLayout, gradient: TensorLayout)
  {
    switch nodes[node].content {
    case .op(_, _, let placements):
      let output = placements[configuration].output
      return (output, output.withoutPartials)
    case .tensor(_, _, let layouts):
      return (layouts[configuration], layouts[configuration])
    }
  }

  /// ``produced(by:configuration:)`` for every configuration of `node`.
  func producedLayouts(of node: Int) -> [(layout: TensorLayout, gradient: TensorLayout)] {
    (0..<nodes[node].configurationCount).map { produced(by: node, configuration: $0) }
  }

  /// Joins `source` to the boundary node `boundary` of `tensor`.
  mutating func connect(_ source: Source, tensor: Tensor, toBoundary boundary: Int) {
    guard case .tensor(_, _, let layouts) = nodes[boundary].content else { return }
    switch source {
    case .graphInput:
      return  // graph inputs are free in any layout
    case .op(let node), .tensor(let node):
      let producerLayouts = producedLayouts(of: node)
      let costModel = costModel
      graph.addEdge(from: node, to: boundary) { cu, cv in
        let (layout, gradient) = producerLayouts[cu]
        return Self.quantized(
          costModel.relayoutCost(
            of: tensor, from: layout, to: layouts[cv], gradientFrom: layouts[cv],
            gradientTo: gradient))
      }
    }
  }

  private mutating func addOperator(
    _ op: Operator, node: Node, index: Int, in subgraph: Graph, sources: [TensorID: Source],
    location: ProblemNode.Location
  ) -> Int {
    let inputs = subgraph.inputTensors(of: node)
    let dimensions = op.parallelDimensions(
      inputs: inputs.map(\.shape), output: subgraph.outputTensor(of: node).shape)
    var configurations = OpConfiguration.all(for: dimensions, on: mesh).filter {
      costModel.admits(node, in: subgraph, configuration: $0)
    }
    var placements = configurations.map {
      $0.placement(dimensions: dimensions, inputCount: node.inputs.count, on: mesh)
    }
    var costs = configurations.map {
      Self.quantized(costModel.cost(of: node, in: subgraph, configuration: $0))
    }
    if pruning, location.block != nil || !keepsEveryConfiguration.contains(index) {
      let kept = Self.undominatedConfigurations(costs: costs, placements: placements)
      configurations = kept.map { configurations[$0] }
      placements = kept.map { placements[$0] }
      costs = kept.map { costs[$0] }
    }
    let id = graph.addNode(costs: costs)
    nodes.append(
      ProblemNode(
        location: location,
        content: .op(node: index, configurations: configurations, placements: placements)))
    for (i, input) in node.inputs.enumerated() {
      guard let source = sources[input] else { continue }
      let producer: Int
      switch source {
      case .graphInput: continue
      case .op(let u), .tensor(let u): producer = u
      }
      let tensor = inputs[i]
      let wanted = placements
      let produced = producedLayouts(of: producer)
      let costModel = costModel
      graph.addEdge(from: producer, to: id) { cu, cv in
        let (layout, gradient) = produced[cu]
        return Self.quantized(
          costModel.relayoutCost(
            of: tensor, from: layout, to: wanted[cv].inputs[i],
            gradientFrom: wanted[cv].inputGradients[i],
            gradientTo: gradient))
      }
    }
    return id
  }

  /// The configurations to keep: drop one when another with identical layouts
  /// costs at most as much in both objectives (the earlier one wins ties).
  static func undominatedConfigurations(costs: [CostVector], placements: [OperatorPlacement])
    -> [Int]
  {
    costs.indices.filter { c in
      !costs.indices.contains { d in
        d != c && placements[d].output == placements[c].output
          && placements[d].inputs == placements[c].inputs
          && placements[d].inputGradients == placements[c].inputGradients
          && costs[d].time <= costs[c].time && costs[d].memory <= costs[c].memory
          && (costs[d] != costs[c] || d < c)
      }
    }
  }
}

extension ProblemBuilder {
  /// The body of `block` (the node at `index`) as its own configuration graph
  /// between input and output boundary nodes.
  static func body(
    of block: Block, at index: Int, costModel: any StageCostModel, pruning: Bool
  ) throws(SearchError) -> (
    graph: ConfigurationGraph, nodes: [ProblemNode], input: Int, output: Int
  ) {
    var builder = ProblemBuilder(costModel: costModel, pruning: pruning)
    let location = ProblemNode.Location(block: index, repetition: 0)
    let inputID = block.body.inputs[0]
    let input = builder.tensorNode(
      block.body.tensors[inputID], id: inputID, boundary: 0, location: location)
    let output = try builder.addBody(block, from: input, location: location, output: .inner(1))
    return (builder.graph, builder.nodes, input, output)
  }

  /// What the boundary node after one application of a body stands for.
  enum BodyOutput {
    /// A boundary inside the block, numbered relative to the repetition.
    case inner(Int)
    /// The block's output: a top-level tensor of the stage graph.
    case outer(TensorID, Tensor)
  }

  /// Adds one application of `block`'s body reading boundary node `input`;
  /// returns the new boundary node of its output.
  mutating func addBody(
    _ block: Block, from input: Int, location: ProblemNode.Location, output boundary: BodyOutput
  ) throws(SearchError) -> Int {
    guard block.body.inputs.count == 1, block.body.outputs.count == 1 else {
      throw SearchError("block '\(block.name)' needs exactly one input and one output")
    }
    var sources: [TensorID: Source] = [block.body.inputs[0]: .tensor(input)]
    try add(block.body, sources: &sources, location: location) {
      _, _, inner, _ throws(SearchError) -> Int in
      throw SearchError(
        "block '\(inner.name)' is nested in block '\(block.name)'; nested blocks are not supported")
    }
    let outputID = block.body.outputs[0]
    guard let source = sources[outputID], case .op = source else {
      throw SearchError("block '\(block.name)' computes nothing: its output is its input")
    }
    let output: Int
    switch boundary {
    case .inner(let number):
      output = tensorNode(
        block.body.tensors[outputID], id: outputID, boundary: number, location: location)
    case .outer(let id, let tensor):
      output = tensorNode(tensor, id: id, boundary: nil, location: .init(block: nil, repetition: 0))
    }
    connect(source, tensor: block.body.tensors[outputID], toBoundary: output)
    return output
  }

  /// Inlines every repetition of `block` (the node at `index`) after boundary
  /// node `input`; returns the final output's boundary node.
  mutating func expand(_ block: Block, at index: Int, input: Int, output: (TensorID, Tensor))
    throws(SearchError) -> Int
  {
    var current = input
    for repetition in 0..<block.repeatCount {
      let isLast = repetition == block.repeatCount - 1
      current = try addBody(
        block, from: current, location: .init(block: index, repetition: repetition),
        output: isLast ? .outer(output.0, output.1) : .inner(1))
    }
    return current
  }
}

extension ProblemBuilder {
  /// Joins every top-level tied operator to the owner of its weight by an edge
  /// costing ``StageCostModel/tiedWeightCost(owner:configuration:tied:configuration:in:)``
  /// per configuration pair (a second edge where one exists merges by ⊕).
  mutating func addTiedWeights(of model: Graph) {
    var ids: [Int: Int] = [:]
    for (id, node) in nodes.enumerated() where node.location.block == nil {
      if case .op(let index, _, _) = node.content { ids[index] = id }
    }
    for pair in model.tiedPairs {
      guard let u = ids[pair.owner], let v = ids[pair.tied],
        case .op(_, let stored, _) = nodes[u].content,
        case .op(_, let used, _) = nodes[v].content
      else { continue }
      let costModel = costModel
      let owner = model.nodes[pair.owner]
      let tied = model.nodes[pair.tied]
      graph.addEdge(from: u, to: v) { cu, cv in
        Self.quantized(
          costModel.tiedWeightCost(
            owner: owner, configuration: stored[cu], tied: tied, configuration: used[cv],
            in: model))
      }
    }
  }
}
