import TensorOptCost
import TensorOptGraph
import TensorOptSearch

extension StagedOperatorSearch {
  /// What a stage's searched floor needs of its stage problem, whatever its
  /// block's repetition count: the top-level configuration graph (operators,
  /// re-layouts, tied weights; no block), the block's outer boundary nodes in
  /// it, and the floors of 1, 2, … repetitions of the block.
  struct StemFloor {
    var graph: ConfigurationGraph
    var input: Int
    var output: Int
    /// `r` repetitions' floor at `r − 1`, as far as computed; one
    /// repetition's is the union of the body's frontier matrix entries.
    var powers: [[CostVector]]
  }

  /// A lower-bound frontier of stage `stage` of `item` on `mesh` (search
  /// objective, without workspace) from FT on its top-level graph with the
  /// block's composite edge replaced by `r` repetitions' floor in every entry,
  /// or `nil` when the stage does not run exactly one block or cannot be built.
  ///
  /// One repetition's floor is the union over every pair of boundary layouts
  /// of the body's exact frontier (``FrontierTracking/frontierMatrix(of:from:to:)``),
  /// coarsened: a repetition of any strategy is a body strategy for one pair.
  /// `r` repetitions are bounded by the `r`-fold sum of that floor
  /// (consecutive repetitions need not agree on their layouts here), so every
  /// entry of the block's `M^r` is weakly dominated, point by point, by the
  /// floor; and FT on the top-level graph with that edge returns a set that
  /// weakly dominates every stage strategy's cost: top-level operators,
  /// re-layouts and tied weights priced exactly.
  func searchedFloor(_ item: Prepared, stage: Int, mesh: DeviceMesh, memo: inout FloorMemo)
    -> [CostVector]?
  {
    guard let (stem, repetitions) = self.stem(item, stage: stage, mesh: mesh) else { return nil }
    var floor: StemFloor
    if let known = memo.stems[stem] {
      floor = known
    } else {
      let model = costModel(item, stage: stage, mesh: mesh)
      guard
        let problem = try? StageProblem(
          graph: item.stages[stage].graph, costModel: model, memo: bodies),
        problem.blocks.count == 1, let block = problem.blocks.first
      else { return nil }
      floor = StemFloor(
        graph: problem.configurationGraph, input: block.outerInput, output: block.outerOutput,
        powers: [Self.repetitionFloor(of: block)])
    }
    let power = FloorMemo.power(&floor.powers, count: repetitions)
    memo.stems[stem] = floor
    var graph = floor.graph
    let entry = Frontier(power.map { FrontierPoint(cost: $0, trace: .empty) })
    graph.addCompositeEdge(
      from: floor.input, to: floor.output,
      matrix: FrontierMatrix(
        rows: graph.nodeCosts[floor.input].count, columns: graph.nodeCosts[floor.output].count,
        repeating: entry))
    return FloorFrontier.coarsened(
      FloorFrontier.pareto(FrontierTracking().frontier(of: graph).costs))
  }

  /// A floor of one repetition of `block`: FT on its body between its boundary
  /// nodes (``FrontierTracking/frontierMatrix(of:from:to:)``, re-layouts
  /// included), the union over every pair of boundary layouts, coarsened. Each
  /// repetition of a strategy is a body strategy for some pair of boundary
  /// layouts, so its cost is weakly dominated by a point of that pair's frontier.
  static func repetitionFloor(of block: BlockProblem) -> [CostVector] {
    let matrix = block.frontierMatrix()
    var points: [CostVector] = []
    for row in 0..<matrix.rows {
      for column in 0..<matrix.columns { points += matrix[row, column].costs }
    }
    return FloorFrontier.coarsened(FloorFrontier.pareto(points))
  }
}
