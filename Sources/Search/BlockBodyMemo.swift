import Synchronization
import TensorOptCost
import TensorOptGraph

/// Block bodies' configuration graphs and their FT reductions, shared between
/// stage problems that hold the same block under the same cost model — e.g. the
/// stages of one pipeline family over its splits, which differ only in how many
/// repetitions of the block they run or in the operators around it.
///
/// A body's configuration graph (``ProblemBuilder/body(of:at:costModel:pruning:)``)
/// is a function of the block's body graph and name (not of its repeat count),
/// of the block node's index in the stage graph (which its nodes' locations
/// record), of the cost model and of the pruning flag; ``Key`` holds every one
/// of them by value, the cost model included (only a `Hashable` one is shared:
/// equal models price every operator and re-layout alike).
///
/// A body's reductions and powers depend on its configuration graph and
/// boundary nodes alone (their traces name nodes and configurations by index),
/// so bodies whose graphs are equal bit for bit — under cost models that differ
/// only where the body does not look, e.g. in a workspace cap no body
/// configuration reaches — share one ``BodyReductions``, keyed by that content.
///
/// Thread-safe: two tasks asking for the same entry at once may both build it;
/// the first stored is kept, and both are equal.
public final class BlockBodyMemo: Sendable {
  /// What determines a block body's configuration graph.
  struct Key: Hashable, @unchecked Sendable {
    /// The body graph.
    var body: Graph
    /// The block's name.
    var name: String
    /// The block node's index in the stage graph.
    var node: Int
    /// The cost model, by value (its dynamic type is part of its equality).
    var costModel: AnyHashable
    /// Whether dominated operator configurations are dropped.
    var pruning: Bool
  }

  private let bodies = Mutex<[Key: SharedBody]>([:])
  private let reductions = Mutex<[[UInt64]: BodyReductions]>([:])
  private let store = PowerStore()

  /// An empty memo.
  public init() {}

  /// The number of distinct bodies built so far.
  public var count: Int { bodies.withLock { $0.count } }

  /// The number of distinct body configuration graphs among them.
  public var graphCount: Int { reductions.withLock { $0.count } }

  /// The body of `block` (the node at `index` of its stage graph) under
  /// `costModel`, built once per distinct key; `nil` when the cost model is not
  /// `Hashable` (then nothing is shared).
  func body(
    of block: Block, at index: Int, costModel: any StageCostModel, pruning: Bool
  ) throws(SearchError) -> SharedBody? {
    guard let model = costModel as? any Hashable else { return nil }
    let key = Key(
      body: block.body, name: block.name, node: index, costModel: AnyHashable(model),
      pruning: pruning)
    if let known = bodies.withLock({ $0[key] }) {
      #if DEBUG
        let rebuilt = try ProblemBuilder.body(
          of: block, at: index, costModel: costModel, pruning: pruning)
        assert(
          known.nodes.map(\.location) == rebuilt.nodes.map(\.location)
            && BodyReductions.content(of: rebuilt.graph, rebuilt.input, rebuilt.output)
              == BodyReductions.content(
                of: known.reductions.graph, known.reductions.input, known.reductions.output),
          "a block body memo key left out something its configuration graph depends on")
      #endif
      return known
    }
    let built = try ProblemBuilder.body(
      of: block, at: index, costModel: costModel, pruning: pruning)
    let content = BodyReductions.content(of: built.graph, built.input, built.output)
    let shared = reductions.withLock { reductions in
      if let known = reductions[content] { return known }
      let fresh = BodyReductions(
        graph: built.graph, input: built.input, output: built.output, serial: reductions.count,
        store: store)
      reductions[content] = fresh
      return fresh
    }
    let fresh = SharedBody(nodes: built.nodes, reductions: shared)
    return bodies.withLock { bodies in
      if let known = bodies[key] { return known }
      bodies[key] = fresh
      return fresh
    }
  }
}

/// One block body built for a ``BlockBodyMemo``: what its nodes mean, and its
/// configuration graph with its reductions (shared with equal graphs).
final class SharedBody: Sendable {
  /// The meaning of each node of the body's configuration graph.
  let nodes: [ProblemNode]
  /// The configuration graph, its boundary nodes and its reductions.
  let reductions: BodyReductions

  /// A shared body.
  init(nodes: [ProblemNode], reductions: BodyReductions) {
    self.nodes = nodes
    self.reductions = reductions
  }
}

/// A block body's configuration graph between its boundary nodes, with its FT
/// reductions and the compositions of its bounded powers, computed on first use.
final class BodyReductions: Sendable {
  /// The body's configuration graph.
  let graph: ConfigurationGraph
  /// The input boundary node.
  let input: Int
  /// The output boundary node.
  let output: Int
  /// Reductions by (tolerance, thinning estimate; 0 when exact).
  private let reductions = Mutex<[ReductionKey: FrontierTracking.Result]>([:])
  /// This body's number among its memo's distinct graphs.
  let serial: Int
  /// Where the compositions of the exact reduction's bounded powers are kept
  /// (see ``boundedPower(_:bound:rest:)``), shared with the memo's other bodies.
  let store: PowerStore

  /// What a reduction of ``graph`` depends on beyond the graph.
  struct ReductionKey: Hashable {
    /// ``FrontierTracking/tolerance``.
    var tolerance: Double
    /// ``FrontierTracking/afterwards``, which only spreads a non-zero budget.
    var afterwards: Int
  }

  /// A body's reductions, none computed yet.
  init(graph: ConfigurationGraph, input: Int, output: Int, serial: Int, store: PowerStore) {
    self.graph = graph
    self.input = input
    self.output = output
    self.serial = serial
    self.store = store
  }

  /// `tracking`'s reduction of the body between its input and output nodes,
  /// computed once per tolerance (and thinning estimate when not exact).
  func reduction(by tracking: FrontierTracking) -> FrontierTracking.Result {
    precondition(tracking.bound == nil, "a body reduction has terminals: no incumbent prunes it")
    let key = ReductionKey(
      tolerance: tracking.tolerance,
      afterwards: tracking.tolerance == 0 ? 0 : tracking.afterwards)
    if let known = reductions.withLock({ $0[key] }) { return known }
    let result = tracking.solve(graph, terminals: [input, output])
    return reductions.withLock { reductions in
      if let known = reductions[key] { return known }
      reductions[key] = result
      return result
    }
  }

  /// Everything a reduction reads of a body, bit for bit: every node's costs,
  /// every edge's ends and costs (a body has no composite edge), and the
  /// boundary nodes; each list preceded by its length.
  static func content(of graph: ConfigurationGraph, _ input: Int, _ output: Int) -> [UInt64] {
    precondition(graph.compositeEdges.isEmpty, "a block body has no composite edge")
    var words: [UInt64] = [UInt64(input), UInt64(output), UInt64(graph.nodeCount)]
    func append(_ costs: [CostVector]) {
      words.append(UInt64(costs.count))
      for cost in costs { words += [cost.time.bitPattern, cost.memory.bitPattern] }
    }
    for costs in graph.nodeCosts { append(costs) }
    words.append(UInt64(graph.edges.count))
    for edge in graph.edges {
      words += [UInt64(edge.source), UInt64(edge.target)]
      append(edge.costs)
    }
    return words
  }
}

extension BlockProblem {
  /// The body's exact frontier matrix between its input and output boundary
  /// nodes (``FrontierTracking/frontierMatrix(of:from:to:)``), shared through
  /// the ``BlockBodyMemo`` the block came from, if any.
  public func frontierMatrix() -> FrontierMatrix {
    shared?.reductions.reduction(by: FrontierTracking()).matrix
      ?? FrontierTracking().frontierMatrix(of: graph, from: input, to: output)
  }
}
