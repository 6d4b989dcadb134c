import TensorOptCost

/// The abstract search problem FT solves, free of any model IR: nodes with a
/// cost vector per configuration, edges with a cost vector per pair of
/// configurations, and optionally composite edges whose entries are already
/// frontiers (a reduced sub-graph, such as a repeated block).
///
/// A strategy picks one configuration per node; its cost is the sum of its
/// node costs and of the edge entries its picks select. Costs must be
/// non-negative.
public struct ConfigurationGraph: Sendable {
  /// An edge with one cost per configuration pair.
  public struct Edge: Sendable {
    /// The first node (rows of ``costs``).
    public var source: Int
    /// The second node (columns).
    public var target: Int
    /// Row-major: `costs[cs * targetCount + ct]`.
    public var costs: [CostVector]
  }

  /// An edge whose entries are frontiers (a reduced sub-graph).
  public struct CompositeEdge: Sendable {
    /// The row node.
    public var source: Int
    /// The column node.
    public var target: Int
    /// The frontiers.
    public var matrix: FrontierMatrix
  }

  /// Per node, the cost of each configuration.
  public private(set) var nodeCosts: [[CostVector]] = []
  /// The plain edges.
  public private(set) var edges: [Edge] = []
  /// The composite edges.
  public private(set) var compositeEdges: [CompositeEdge] = []

  /// An empty graph.
  public init() {}

  /// The number of nodes.
  public var nodeCount: Int { nodeCosts.count }

  /// The number of configurations of each node.
  public var configurationCounts: [Int] { nodeCosts.map(\.count) }

  /// Adds a node with one cost per configuration and returns its index.
  @discardableResult
  public mutating func addNode(costs: [CostVector]) -> Int {
    nodeCosts.append(costs)
    return nodeCosts.count - 1
  }

  /// Adds an edge; `cost(cs, ct)` is the cost when `source` takes `cs` and
  /// `target` takes `ct`. Self-loops are folded into the node's costs.
  public mutating func addEdge(from source: Int, to target: Int, cost: (Int, Int) -> CostVector) {
    let sourceCount = nodeCosts[source].count
    let targetCount = nodeCosts[target].count
    if source == target {
      for c in 0..<sourceCount { nodeCosts[source][c] += cost(c, c) }
      return
    }
    var costs: [CostVector] = []
    costs.reserveCapacity(sourceCount * targetCount)
    for cs in 0..<sourceCount {
      for ct in 0..<targetCount { costs.append(cost(cs, ct)) }
    }
    edges.append(Edge(source: source, target: target, costs: costs))
  }

  /// Adds to a node's configuration costs (e.g. a unary term).
  public mutating func addNodeCost(_ node: Int, configuration: Int, _ cost: CostVector) {
    nodeCosts[node][configuration] += cost
  }

  /// Adds a composite edge between two distinct nodes.
  public mutating func addCompositeEdge(from source: Int, to target: Int, matrix: FrontierMatrix) {
    precondition(source != target, "a composite edge joins two nodes")
    precondition(
      matrix.rows == nodeCosts[source].count && matrix.columns == nodeCosts[target].count)
    compositeEdges.append(CompositeEdge(source: source, target: target, matrix: matrix))
  }

  /// The cost of the strategy `assignment` (one configuration per node),
  /// computed from scratch. Composite edges contribute their fastest point.
  public func cost(of assignment: [Int]) -> CostVector {
    precondition(assignment.count == nodeCount)
    var total = CostVector.zero
    for (node, configuration) in assignment.enumerated() { total += nodeCosts[node][configuration] }
    for edge in edges {
      total +=
        edge.costs[assignment[edge.source] * nodeCosts[edge.target].count + assignment[edge.target]]
    }
    for edge in compositeEdges {
      total +=
        edge.matrix[assignment[edge.source], assignment[edge.target]].points.first?.cost
        ?? CostVector(time: .infinity, memory: .infinity)
    }
    return total
  }

  /// The number of strategies: the product of the configuration counts
  /// (as a floating-point value, which never overflows).
  public var strategyCount: Double {
    nodeCosts.reduce(1.0) { $0 * Double($1.count) }
  }
}
