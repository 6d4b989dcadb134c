import Foundation
import TensorOptCost
import TensorOptGraph

/// How the operator-level search explores a stage.
public enum SearchMethod: String, Sendable, CaseIterable, Codable {
  /// Frontier tracking: elimination with frontiers, blocks composed by doubling.
  case ft
  /// Every strategy enumerated (small graphs only).
  case exhaustive
}

/// Options of the operator-level search.
public struct SearchOptions: Sendable, Hashable {
  /// FT or brute force.
  public var method: SearchMethod
  /// Points within a factor `1 + epsilon` in both objectives may be merged
  /// (FT only); 0 is exact.
  public var epsilon: Double
  /// The most strategies exhaustive search agrees to enumerate.
  public var exhaustiveLimit: Double
  /// Drop operator configurations dominated by one with identical layouts (exact).
  public var pruning: Bool

  /// Creates options.
  public init(
    method: SearchMethod = .ft, epsilon: Double = 0,
    exhaustiveLimit: Double = ExhaustiveSearch.defaultLimit,
    pruning: Bool = true
  ) {
    self.method = method
    self.epsilon = epsilon
    self.exhaustiveLimit = exhaustiveLimit
    self.pruning = pruning
  }
}

/// One point of a stage's frontier: what it costs and how.
public struct PlanPoint: Sendable {
  /// Time per iteration and memory per device.
  public var cost: CostVector
  /// The strategy.
  public var strategy: Strategy

  /// Creates a point.
  public init(cost: CostVector, strategy: Strategy) {
    self.cost = cost
    self.strategy = strategy
  }
}

/// The frontier of one stage and what the search did to find it.
public struct StageFrontier: Sendable {
  /// The non-dominated points, by increasing time.
  public var points: [PlanPoint]
  /// Reduction counts (FT).
  public var statistics: EliminationStatistics
  /// The number of strategies of the search space (blocks expanded), summed over meshes.
  public var strategyCount: Double
}

/// The operator-level search over one pipeline stage.
///
/// The later stage-partition and outer loops call it once per (stage graph,
/// mesh set, training options) through a ``StageCostModel`` per mesh.
public enum StageSearch {
  /// The frontier of `graph` over every mesh of `costModels` (one model per
  /// mesh shape, e.g. from `DeviceMesh.shapes(deviceCount:)`), united.
  ///
  /// With `incumbent`, FT prunes by branch and bound. Exact (`epsilon == 0`),
  /// the result then lacks points (and may hold others) that an incumbent
  /// strictly dominates, so the non-dominated set of the incumbents and the
  /// result (all its points together) is the same as without it. With
  /// `epsilon > 0` the guarantee holds against the incumbents and the result
  /// together: every exact frontier point is within a factor `1 + epsilon` in
  /// both objectives of a returned point or of an incumbent (docs/search.md,
  /// "ε with branch and bound").
  ///
  /// With `memo`, FT takes its block bodies and their reductions from it (and
  /// adds those it builds), sharing them with other searches; the result is the
  /// same.
  public static func frontier(
    of graph: Graph, costModels: [any StageCostModel], options: SearchOptions = SearchOptions(),
    incumbent: IncumbentBound? = nil, memo: BlockBodyMemo? = nil
  ) throws(SearchError) -> StageFrontier {
    var all: [PlanPoint] = []
    var statistics = EliminationStatistics()
    var count = 0.0
    var bound: IncumbentBound?
    if let incumbent, !incumbent.isEmpty, options.method == .ft {
      bound = incumbent
    }
    for model in costModels {
      let result: StageFrontier
      if let bound {
        let problem = try StageProblem(
          graph: graph, costModel: model, pruning: options.pruning, memo: memo)
        result = ftFrontier(problem, epsilon: options.epsilon, bound: bound)
      } else {
        result = try frontier(of: graph, costModel: model, options: options, memo: memo)
      }
      all += result.points
      statistics.merge(result.statistics)
      count += result.strategyCount
    }
    let kept = Frontier.nonDominatedIndices(all.count) { all[$0].cost }
    return StageFrontier(points: kept.map { all[$0] }, statistics: statistics, strategyCount: count)
  }

  /// The frontier of `graph` on the mesh of `costModel` (FT's block bodies
  /// shared through `memo`, if any; exhaustive search does not use it).
  public static func frontier(
    of graph: Graph, costModel: any StageCostModel, options: SearchOptions = SearchOptions(),
    memo: BlockBodyMemo? = nil
  ) throws(SearchError) -> StageFrontier {
    switch options.method {
    case .exhaustive:
      let problem = try StageProblem(
        graph: graph, costModel: costModel, expandingBlocks: true, pruning: options.pruning)
      let frontier = try ExhaustiveSearch(limit: options.exhaustiveLimit).frontier(
        of: problem.configurationGraph)
      return StageFrontier(
        points: frontier.points.map {
          PlanPoint(cost: $0.cost, strategy: problem.strategy(for: $0.trace))
        },
        statistics: EliminationStatistics(), strategyCount: problem.configurationGraph.strategyCount
      )
    case .ft:
      let problem = try StageProblem(
        graph: graph, costModel: costModel, pruning: options.pruning, memo: memo)
      return ftFrontier(problem, epsilon: options.epsilon, bound: nil)
    }
  }

  /// FT on `problem`, its points turned into strategies.
  static func ftFrontier(_ problem: StageProblem, epsilon: Double, bound: IncumbentBound?)
    -> StageFrontier
  {
    let (frontier, statistics) = frontierTracking(problem, epsilon: epsilon, bound: bound)
    return StageFrontier(
      points: frontier.points.map {
        PlanPoint(cost: $0.cost, strategy: problem.strategy(for: $0.trace))
      },
      statistics: statistics, strategyCount: problem.expandedStrategyCount)
  }

  /// FT on a compact problem: each block body reduced to a boundary-to-boundary
  /// frontier matrix, raised to its repeat count by doubling, and inserted as a
  /// composite edge; then the stage graph reduced. With `epsilon > 0` one error
  /// budget `ln(1 + ε)` is shared along every chain body → compositions → stage
  /// graph (see ``FrontierTracking/tolerance``).
  static func frontierTracking(
    _ problem: StageProblem, epsilon: Double, bound: IncumbentBound? = nil
  ) -> (Frontier, EliminationStatistics) {
    // Thinnings after a block's composition: about one per stage-graph node.
    let stage = problem.configurationGraph.nodeCount
    var tracking = FrontierTracking(tolerance: epsilon)
    tracking.bound = bound
    var top = problem.configurationGraph
    var statistics = EliminationStatistics()
    for (scope, block) in problem.blocks.enumerated() {
      let compositions = FrontierMatrix.compositionCount(block.repeatCount)
      let bodyTracking = FrontierTracking(tolerance: epsilon, afterwards: compositions + stage)
      let body =
        block.shared?.reductions.reduction(by: bodyTracking)
        ?? bodyTracking.solve(block.graph, terminals: [block.input, block.output])
      statistics.merge(body.statistics)
      let composed: FrontierMatrix
      if let bound {
        // Every strategy also pays the stage graph's pieces.
        let rest = top.floorSum
        let pruned =
          epsilon == 0
          ? block.shared?.reductions.boundedPower(block.repeatCount, bound: bound, rest: rest)
            ?? body.matrix.power(block.repeatCount, bound: bound, rest: rest)
          : body.matrix.power(
            block.repeatCount, bound: bound, rest: rest, budget: tracking.budget,
            afterwards: stage)
        composed = pruned.matrix
        statistics.boundPrunings += pruned.prunings
      } else {
        composed = body.matrix.power(
          block.repeatCount, budget: tracking.budget, afterwards: stage)
      }
      statistics.observe(composed.maximumFrontierSize)
      let scoped = FrontierMatrix(rows: composed.rows, columns: composed.columns) {
        composed[$0, $1].mapTraces { .scope(scope, $0) }
      }
      top.addCompositeEdge(from: block.outerInput, to: block.outerOutput, matrix: scoped)
    }
    let result = tracking.solve(top, terminals: [])
    statistics.merge(result.statistics)
    return (result.matrix[0, 0], statistics)
  }
}

extension StageProblem {
  /// The number of strategies with every block repetition chosen independently.
  public var expandedStrategyCount: Double {
    blocks.reduce(configurationGraph.strategyCount) { total, block in
      // The outer boundary nodes are shared; inner ones repeat.
      let inner = block.graph.nodeCosts.enumerated().reduce(1.0) { product, entry in
        entry.offset == block.input || entry.offset == block.output
          ? product : product * Double(entry.element.count)
      }
      let boundary = Double(block.graph.nodeCosts[block.output].count)
      return total * pow(inner, Double(block.repeatCount))
        * pow(boundary, Double(block.repeatCount - 1))
    }
  }
}
