import TensorOptCost
import TensorOptGraph

/// One screened combination of the first pass.
struct ScreenedCombination: Sendable {
  /// The combination (stage layers: `nil`, the even split).
  var strategy: ParallelStrategy
  /// Its cost with the even split.
  var cost: Planner.Cost
  /// A lower bound on the cost of every split of its layers, when the stage
  /// partitioner applies (pp > 1 without interleaving).
  var bound: Planner.Cost?
}

/// The screening of one ``OuterSpace/Family``.
struct ScreenedFamily: Sendable {
  /// The combinations costed, by increasing micro-batch size.
  var combinations: [ScreenedCombination] = []
  /// The combinations of the micro-batch sizes after the first at which no
  /// uniform strategy fits (with the even split or any other), not costed: with
  /// uniform layouts they cannot fit either (peak memory does not fall as the
  /// micro-batch grows), but per-operator layouts might (see
  /// ``Planner/fitNotes(uncosted:unfit:coversStages:layers:)``).
  var uncosted: [ParallelStrategy] = []
}

extension UniformPipelineCost {
  /// The screened costs of a family's combinations with the even split of the
  /// layers, by increasing micro-batch size, stopping after the first size at
  /// which nothing fits (the larger sizes' combinations are returned uncosted);
  /// for each combination the stage partitioner applies to, a lower bound on
  /// any split's cost (``StagePartitioner/lowerBound(schedule:microBatches:)``).
  func screen(
    _ family: OuterSpace.Family, graphs: GraphCache, request: PlanRequest,
    cache: inout [LayoutKey: Layouts]
  ) -> ScreenedFamily {
    var results: [ScreenedCombination] = []
    for (position, group) in family.groups.enumerated() {
      guard let graph = graphs.graph(for: group.base) else { continue }
      let m = request.batch / (group.base.dataParallel * group.base.microBatchSize)
      let costs = layerCosts(graph: graph, strategy: group.base, microBatches: m, layouts: &cache)
      let partitioner = StagePartitioner(costs: costs)
      var byInterleave: [Int: [StageTally]] = [:]
      var anyFits = false
      for s in group.strategies {
        let tallies =
          byInterleave[s.interleave] ?? costs.stageTallies(s.partition(layers: graph.layerCount))
        byInterleave[s.interleave] = tallies
        let cost = costs.cost(
          tallies, schedule: s.schedule, interleave: s.interleave, microBatches: m)
        let bound =
          s.interleave == 1
          ? partitioner.lowerBound(schedule: s.schedule, microBatches: m).map {
            Planner.Cost(time: $0.time, memory: $0.memory)
          } : nil
        // A split may fit where the even one does not.
        anyFits = anyFits || min(cost.memory, bound?.memory ?? .infinity) <= request.memoryLimit
        results.append(
          ScreenedCombination(
            strategy: s, cost: Planner.Cost(time: cost.time, memory: cost.memory), bound: bound))
      }
      if !anyFits {
        let rest = family.groups[(position + 1)...]
        return ScreenedFamily(combinations: results, uncosted: rest.flatMap(\.strategies))
      }
    }
    return ScreenedFamily(combinations: results)
  }

  /// The uneven splits of `s`'s layers on the (time, memory) frontier of its
  /// splits that `incumbent` does not dominate (``StagePartitioner``), with
  /// ``ParallelStrategy/stageLayers`` set; the even split is left out (the first
  /// pass has it).
  func splits(
    of s: ParallelStrategy, graphs: GraphCache, request: PlanRequest,
    incumbent: Staircase, cache: inout [LayoutKey: Layouts]
  ) -> [(ParallelStrategy, Planner.Cost)] {
    guard let graph = graphs.graph(for: s) else { return [] }
    let m = request.batch / (s.dataParallel * s.microBatchSize)
    let costs = layerCosts(graph: graph, strategy: s, microBatches: m, layouts: &cache)
    let even = s.partition(layers: graph.layerCount).chunkLayers
    let points =
      StagePartitioner(costs: costs).frontier(
        schedule: s.schedule, microBatches: m, incumbent: incumbent) ?? []
    return points.filter { $0.layers != even }.map { point in
      var split = s
      split.stageLayers = Set(point.layers).count == 1 ? nil : point.layers
      return (split, Planner.Cost(time: point.time, memory: point.memory))
    }
  }
}
