import TensorOptCost
import TensorOptGraph

/// What a node of a stage's configuration graph stands for.
public struct ProblemNode: Sendable {
  /// Where in the model the node sits.
  public struct Location: Hashable, Sendable {
    /// The index (in the stage graph) of the block node it belongs to, or `nil` at top level.
    public var block: Int?
    /// The repetition of that block (0 at top level, and in a block body built once).
    public var repetition: Int
  }

  /// The node's meaning.
  public enum Content: Sendable {
    /// An operator (index of its node in its graph) and its candidate configurations.
    case op(node: Int, configurations: [OpConfiguration], placements: [OperatorPlacement])
    /// A block-boundary tensor and its candidate layouts. `boundary` is the
    /// boundary's number within its block relative to ``Location/repetition``
    /// (0 = the block's input, `repeatCount` = its output), or `nil` for a
    /// top-level tensor that is no block's inner boundary.
    case tensor(TensorID, boundary: Int?, layouts: [TensorLayout])
  }

  /// Where it sits.
  public var location: Location
  /// What it is.
  public var content: Content

  /// The number of configurations.
  public var configurationCount: Int {
    switch content {
    case .op(_, let configurations, _): configurations.count
    case .tensor(_, _, let layouts): layouts.count
    }
  }
}

/// A repeated block's body as a configuration graph between its input and
/// output boundary tensors.
public struct BlockProblem: Sendable {
  /// The block node's index in the stage graph.
  public var node: Int
  /// How many times the body is applied.
  public var repeatCount: Int
  /// The body's configuration graph.
  public var graph: ConfigurationGraph
  /// The meaning of each of its nodes.
  public var nodes: [ProblemNode]
  /// The body's input boundary tensor node.
  public var input: Int
  /// The body's output boundary tensor node.
  public var output: Int
  /// The stage-level nodes the composed block joins.
  public var outerInput: Int
  /// See ``outerInput``.
  public var outerOutput: Int
  /// The memo entry ``graph`` comes from, which also holds its reductions
  /// (`nil` when built without a ``BlockBodyMemo``).
  var shared: SharedBody?
}

/// One pipeline stage's search problem: a stage graph on a device mesh, turned
/// into configuration graphs with costs from a ``StageCostModel``.
///
/// In the compact form (`expandingBlocks == false`) each block body is one
/// ``BlockProblem`` joined to the stage graph between two boundary-tensor
/// nodes; in the expanded form every repetition is inlined (what exhaustive
/// search and re-costing use).
public struct StageProblem: Sendable {
  /// The stage's graph.
  public let graph: Graph
  /// The stage's devices.
  public let mesh: DeviceMesh
  /// The top-level configuration graph.
  public internal(set) var configurationGraph = ConfigurationGraph()
  /// The meaning of each top-level node.
  public internal(set) var nodes: [ProblemNode] = []
  /// The block bodies (compact form only), in graph order.
  public internal(set) var blocks: [BlockProblem] = []

  /// Builds the problem.
  ///
  /// - Parameters:
  ///   - expandingBlocks: inline every repetition of every block.
  ///   - pruning: drop an operator configuration when another one has the same
  ///     layouts and a cost at least as good in both objectives (exact).
  ///   - memo: where block bodies (compact form) are looked up and kept, with
  ///     their reductions, for other problems with the same block and cost model.
  /// - Throws: ``SearchError`` for a block nested in a block, or a block whose
  ///   body computes nothing.
  public init(
    graph: Graph, costModel: any StageCostModel, expandingBlocks: Bool = false,
    pruning: Bool = true,
    memo: BlockBodyMemo? = nil
  ) throws(SearchError) {
    self.graph = graph
    self.mesh = costModel.mesh
    var builder = ProblemBuilder(costModel: costModel, pruning: pruning)
    builder.keepsEveryConfiguration = Set(graph.tiedPairs.flatMap { [$0.owner, $0.tied] })
    var sources: [TensorID: ProblemBuilder.Source] = [:]
    for input in graph.inputs { sources[input] = .graphInput }
    try builder.add(graph, sources: &sources, location: .init(block: nil, repetition: 0)) {
      (builder, index, block, input) throws(SearchError) -> Int in
      let outputID = graph.nodes[index].output
      if expandingBlocks {
        return try builder.expand(
          block, at: index, input: input, output: (outputID, graph.tensors[outputID]))
      }
      let output = builder.tensorNode(
        graph.tensors[outputID], id: outputID, boundary: nil,
        location: .init(block: nil, repetition: 0))
      if let shared = try memo?.body(
        of: block, at: index, costModel: costModel, pruning: pruning)
      {
        blocks.append(
          BlockProblem(
            node: index, repeatCount: block.repeatCount, graph: shared.reductions.graph,
            nodes: shared.nodes, input: shared.reductions.input,
            output: shared.reductions.output, outerInput: input, outerOutput: output,
            shared: shared))
        return output
      }
      let body = try ProblemBuilder.body(
        of: block, at: index, costModel: costModel, pruning: pruning)
      blocks.append(
        BlockProblem(
          node: index, repeatCount: block.repeatCount, graph: body.graph, nodes: body.nodes,
          input: body.input,
          output: body.output, outerInput: input, outerOutput: output))
      return output
    }
    builder.addTiedWeights(of: graph)
    configurationGraph = builder.graph
    nodes = builder.nodes
  }
}
