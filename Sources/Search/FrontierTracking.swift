import Foundation

/// Frontier tracking (FT): the exact multi-objective reduction of a
/// ``ConfigurationGraph`` to the Pareto frontier of its strategies.
///
/// Leaf, node (series) and edge (parallel) eliminations are applied until no
/// non-terminal node is left; a graph that does not reduce that far (not
/// series-parallel) is split by conditioning: a remaining node of highest degree
/// is fixed to each of its configurations in turn, its edges become unary terms
/// of its neighbours, each case is reduced recursively, and the cases' frontiers
/// are united. Every point's ``StrategyTrace`` names a configuration for every
/// node.
public struct FrontierTracking: Sendable {
  /// The end-to-end tolerance ε: every exact frontier point is within a factor
  /// `1 + ε` in both objectives of a returned point (0: exact).
  ///
  /// Thinning spends the budget `ln(1 + ε)` along chains of derivations: each
  /// frontier carries the error its points may have (``Frontier/logError``, the
  /// largest over its operands, since ⊕ and ∪ preserve relative covers) and
  /// each thinning spends a share of what is left (see
  /// ``Frontier/thinned(budget:remaining:)``), so the guarantee holds however
  /// deep the reduction goes.
  public var tolerance: Double
  /// An estimate of the thinnings that follow this solver's results (e.g. a
  /// block body's compositions and the stage graph): it spreads the budget and
  /// does not affect the guarantee.
  public var afterwards: Int
  /// Incumbents for branch and bound, used by a reduction without terminals
  /// (see ``IncumbentBound``); the caller merges them with every point of the
  /// result into one non-dominated set. With a tolerance, the ε guarantee holds
  /// against that set (docs/search.md, "ε with branch and bound").
  public var bound: IncumbentBound?

  /// Creates a solver; `tolerance == 0` is exact.
  public init(tolerance: Double = 0, afterwards: Int = 0) {
    self.tolerance = max(0, tolerance)
    self.afterwards = max(0, afterwards)
  }

  /// The error budget `ln(1 + tolerance)`.
  public var budget: Double { log1p(tolerance) }

  /// The Pareto frontier of all strategies of `graph`.
  public func frontier(of graph: ConfigurationGraph) -> Frontier {
    solve(graph, terminals: []).matrix[0, 0]
  }

  /// The frontier of the strategies of `graph` for every pair of
  /// configurations of the two terminal nodes `source` and `target` (rows and
  /// columns); the terminals' own costs and choices are included.
  public func frontierMatrix(of graph: ConfigurationGraph, from source: Int, to target: Int)
    -> FrontierMatrix
  {
    solve(graph, terminals: [source, target]).matrix
  }

  /// The result of a run: the frontier matrix over the terminals (1 × 1 without
  /// terminals, `|C(a)| × 1` with one) and what the run did.
  public struct Result: Sendable {
    /// The frontiers per terminal configuration pair.
    public var matrix: FrontierMatrix
    /// Counts of the reductions performed.
    public var statistics: EliminationStatistics
  }

  /// Reduces `graph` keeping at most two `terminals`.
  public func solve(_ graph: ConfigurationGraph, terminals: [Int]) -> Result {
    precondition(
      terminals.count <= 2 && Set(terminals).count == terminals.count,
      "at most two distinct terminals")
    var state = EliminationState(
      graph: graph, terminals: Set(terminals), budget: budget, afterwards: afterwards)
    if terminals.isEmpty, let bound {
      state.bound = bound
      for slot in state.edges.indices { state.pruneEdge(slot) }
    }
    let matrix = reduce(&state, terminals: terminals)
    return Result(matrix: matrix, statistics: state.statistics)
  }

  private func reduce(_ state: inout EliminationState, terminals: [Int]) -> FrontierMatrix {
    while let (node, degree) = nextReducible(state) {
      switch degree {
      case 0: state.eliminateIsolated(node)
      case 1: state.eliminateLeaf(node)
      default: state.eliminateSeries(node)
      }
    }
    guard let pivot = conditioningNode(state) else { return assemble(state, terminals: terminals) }
    var result: FrontierMatrix?
    var statistics = state.statistics
    for configuration in state.frontiers(pivot).indices {
      var branch = state
      branch.statistics = EliminationStatistics()
      branch.condition(pivot, on: configuration)
      let matrix = reduce(&branch, terminals: terminals)
      statistics.conditioningBranches += 1
      statistics.merge(branch.statistics)
      if let previous = result {
        result = FrontierMatrix(rows: matrix.rows, columns: matrix.columns) {
          state.thin(previous[$0, $1].union(matrix[$0, $1]))
        }
      } else {
        result = matrix
      }
    }
    state.statistics = statistics
    if let result { return result }
    // A pivot without configurations (a node the cost model admits none of)
    // leaves no strategy.
    let shape = assemble(state, terminals: terminals)
    return FrontierMatrix(rows: shape.rows, columns: shape.columns)
  }

  /// The cheapest applicable reduction: a non-terminal node of degree ≤ 2,
  /// preferring low degree, then the smallest amount of work.
  private func nextReducible(_ state: EliminationState) -> (Int, Int)? {
    var best: (node: Int, degree: Int, work: Int)?
    for node in state.nodes.indices
    where state.nodes[node] != nil && !state.terminals.contains(node) {
      let degree = state.neighbors[node].count
      guard degree <= 2 else { continue }
      var work = state.frontiers(node).count
      for neighbor in state.neighbors[node].keys { work *= max(state.frontiers(neighbor).count, 1) }
      if best == nil || (degree, work) < (best!.degree, best!.work) { best = (node, degree, work) }
      if degree == 0 { break }
    }
    return best.map { ($0.node, $0.degree) }
  }

  /// The node to condition on: a remaining non-terminal of highest degree,
  /// then fewest configurations.
  private func conditioningNode(_ state: EliminationState) -> Int? {
    var best: (node: Int, degree: Int, count: Int)?
    for node in state.nodes.indices
    where state.nodes[node] != nil && !state.terminals.contains(node) {
      let degree = state.neighbors[node].count
      let count = state.frontiers(node).count
      if best == nil || degree > best!.degree || (degree == best!.degree && count < best!.count) {
        best = (node, degree, count)
      }
    }
    return best?.node
  }

  /// The result once only terminals remain.
  private func assemble(_ state: EliminationState, terminals: [Int]) -> FrontierMatrix {
    switch terminals.count {
    case 0:
      return FrontierMatrix(rows: 1, columns: 1, repeating: state.constant)
    case 1:
      let own = state.frontiers(terminals[0])
      return FrontierMatrix(rows: own.count, columns: 1) { i, _ in
        state.constant.minkowskiSum(own[i]).thinned(budget: budget, remaining: afterwards)
      }
    default:
      let (a, b) = (terminals[0], terminals[1])
      let rowFrontiers = state.frontiers(a)
      let columnFrontiers = state.frontiers(b)
      let slot = state.neighbors[a][b]
      return FrontierMatrix(rows: rowFrontiers.count, columns: columnFrontiers.count) { i, j in
        var total = state.constant.minkowskiSum(rowFrontiers[i])
        if let slot { total = total.minkowskiSum(state.entry(slot, from: a, i, j)) }
        return total.minkowskiSum(columnFrontiers[j]).thinned(
          budget: budget, remaining: afterwards)
      }
    }
  }
}
