import TensorOptCost
import TensorOptGraph
import TensorOptSearch

extension StagedOperatorSearch {
  /// A stage problem with its block's repetitions left out: stages of one
  /// family that hold the same operators around one block, differing only in
  /// how many repetitions of it they run.
  struct StageStem: Hashable, Sendable {
    var key: StageKey
    var block: String
  }

  /// The stem of stage `stage` of `item` on `mesh` and its repetitions, or
  /// `nil` when the stage does not run exactly one block.
  func stem(_ item: Prepared, stage: Int, mesh: DeviceMesh) -> (stem: StageStem, repetitions: Int)?
  {
    let nodes = item.stages[stage].graph.nodes
    let blocks = nodes.compactMap(\.block)
    guard blocks.count == 1, let block = blocks.first else { return nil }
    var key = key(item, stage: stage, mesh: mesh)
    key.nodes = nodes.filter { $0.block == nil }.map(\.name)
    return (StageStem(key: key, block: block.name), block.repeatCount)
  }

  /// A lower bound on one repetition of the stage's block under its cost model:
  /// per objective, the sum over the body's nodes and edges of their cheapest
  /// configuration (a boundary node counted once, its cheaper end), or zero
  /// when the problem cannot be built. Every repetition of every strategy costs
  /// at least this much (costs are sums over nodes and edges, none negative).
  func repetitionFloor(_ item: Prepared, stage: Int, mesh: DeviceMesh) -> CostVector {
    let model = costModel(item, stage: stage, mesh: mesh)
    guard
      let problem = try? StageProblem(
        graph: item.stages[stage].graph, costModel: model, memo: bodies),
      problem.blocks.count == 1, let body = problem.blocks.first
    else { return .zero }
    // The body's floor counts both boundary nodes; one repetition owns one of
    // them (the next repetition's input is this one's output): keep the cheaper.
    let graph = body.graph
    let ends = [body.input, body.output].map {
      graph.nodeCosts[$0].reduce(CostVector.unbounded) { $0.lowest($1) }
    }
    let sum = graph.floorSum
    let floor = CostVector(
      time: sum.time - max(ends[0].time, ends[1].time),
      memory: sum.memory - max(ends[0].memory, ends[1].memory))
    // A body node without configurations leaves no strategy: any bound holds,
    // and zero is the safe one.
    guard floor.time.isFinite, floor.memory.isFinite else { return .zero }
    return CostVector(time: max(floor.time, 0), memory: max(floor.memory, 0))
  }

  /// Per stage and range of `layout` on `mesh`, a lower bound on its points in
  /// (`slots · work + tail`, memory), sorted as ``FloorFrontier/pareto(_:)``
  /// returns: the exact points when its problem was searched completely (none
  /// when it has none: no pipeline uses the range), else a ``SplitBound`` from
  /// a smaller searched one, else no bound (zero). A pipeline's stage costs at
  /// least its search's point (the re-layouts to the wire only add).
  func rangeFloors(
    _ layout: StageRanges, mesh: DeviceMesh, problemOf: [StageKey: Int], bound: SplitBound,
    found: [(points: [StageCandidate], note: String?)]
  ) -> [[[CostVector]]] {
    let slots = layout.shape.slots
    return layout.ranges.indices.map { stage in
      layout.items[stage].map { item -> [CostVector] in
        if let known = problemOf[key(item, stage: stage, mesh: mesh)] {
          guard known < found.count, found[known].note == nil else { return [.zero] }
          return FloorFrontier.pareto(
            found[known].points.map {
              CostVector(time: slots * $0.cost.work + $0.cost.tail, memory: $0.cost.memory)
            })
        }
        if let (stem, repetitions) = self.stem(item, stage: stage, mesh: mesh),
          let points = bound.points(stem, repetitions: repetitions, found: found)
        {
          return FloorFrontier.pareto(points)
        }
        return [.zero]
      }
    }
  }

  /// Lower bounds on stage problems not searched yet, from those searched.
  ///
  /// A stage running `r` repetitions of its block costs, under any strategy,
  /// at least what the same strategy restricted to `r' < r` of them costs (the
  /// trailing ones dropped, or the leading ones on the last stage: a valid
  /// strategy of the smaller stage), plus `r − r'` times the block's
  /// ``repetitionFloor(_:stage:mesh:)``; memory likewise (the workspace, a
  /// maximum, does not shrink). The smaller stage's complete points (every
  /// workspace stratum searched) dominate the restriction in (slots · work +
  /// tail, memory). So each such point, shifted by `(r − r')` floors, bounds
  /// the larger stage from below.
  struct SplitBound {
    /// Per stem, the searched problems by repetitions.
    var searched: [StageStem: [(repetitions: Int, problem: Int)]] = [:]
    /// Per stem, one repetition's floor.
    var floors: [StageStem: CostVector] = [:]

    /// Lower-bound points of a stage with `repetitions` of `stem`'s block, or
    /// `nil` when nothing smaller was searched completely.
    func points(
      _ stem: StageStem, repetitions: Int, found: [(points: [StageCandidate], note: String?)]
    ) -> [CostVector]? {
      guard
        let below = searched[stem]?.filter({
          $0.repetitions <= repetitions && $0.problem < found.count
            && found[$0.problem].note == nil && !found[$0.problem].points.isEmpty
        }).max(by: { $0.repetitions < $1.repetitions })
      else { return nil }
      let floor = floors[stem] ?? .zero
      let extra = Double(repetitions - below.repetitions)
      return found[below.problem].points.map {
        CostVector(
          time: stem.key.slots * $0.cost.work + $0.cost.tail + extra * floor.time,
          memory: $0.cost.memory + extra * floor.memory)
      }
    }
  }
}
