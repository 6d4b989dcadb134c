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
  /// The thinning tolerance applied to each newly built frontier (see
  /// ``Frontier/thinned(epsilon:)``). Use ``stepEpsilon(total:steps:)`` to turn an
  /// end-to-end guarantee into a per-step one.
  public var stepEpsilon: Double

  /// Creates a solver; `stepEpsilon == 0` is exact.
  public init(stepEpsilon: Double = 0) {
    self.stepEpsilon = max(0, stepEpsilon)
  }

  /// The per-step tolerance that keeps the compound error of `steps` chained
  /// thinnings within a factor `1 + total`: `(1 + total)^(1/steps) − 1`.
  public static func stepEpsilon(total: Double, steps: Int) -> Double {
    guard total > 0 else { return 0 }
    return pow(1 + total, 1 / Double(max(steps, 1))) - 1
  }

  /// An upper bound on how many thinnings can be chained while reducing
  /// `graph`: each reduction consumes a node or an edge, and each level of
  /// conditioning adds one union.
  public static func chainLength(of graph: ConfigurationGraph) -> Int {
    2 * graph.nodeCount + graph.edges.count + graph.compositeEdges.count + 2
  }

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
    var state = EliminationState(graph: graph, terminals: Set(terminals), epsilon: stepEpsilon)
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
          previous[$0, $1].union(matrix[$0, $1]).thinned(epsilon: stepEpsilon)
        }
      } else {
        result = matrix
      }
    }
    state.statistics = statistics
    return result ?? assemble(state, terminals: terminals)
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
        state.constant.minkowskiSum(own[i]).thinned(epsilon: stepEpsilon)
      }
    default:
      let (a, b) = (terminals[0], terminals[1])
      let rowFrontiers = state.frontiers(a)
      let columnFrontiers = state.frontiers(b)
      let slot = state.neighbors[a][b]
      return FrontierMatrix(rows: rowFrontiers.count, columns: columnFrontiers.count) { i, j in
        var total = state.constant.minkowskiSum(rowFrontiers[i])
        if let slot { total = total.minkowskiSum(state.entry(slot, from: a, i, j)) }
        return total.minkowskiSum(columnFrontiers[j]).thinned(epsilon: stepEpsilon)
      }
    }
  }
}
