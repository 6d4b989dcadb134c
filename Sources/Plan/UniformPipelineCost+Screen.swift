import TensorOptCost
import TensorOptGraph

extension UniformPipelineCost {
  /// The screened costs of a family's combinations, by increasing micro-batch
  /// size, stopping after the first size at which nothing fits, and the number of
  /// combinations costed.
  ///
  /// A pipelined combination without interleaving yields every partition of the
  /// layers on its (time, memory) frontier (``StagePartitioner``), with
  /// ``ParallelStrategy/stageLayers`` set when the split is not even; otherwise
  /// the balanced partition.
  func screen(
    _ family: OuterSpace.Family, graphs: GraphCache, request: PlanRequest,
    cache: inout [LayoutKey: Layouts]
  ) -> (results: [(ParallelStrategy, Planner.Cost)], combinations: Int) {
    var results: [(ParallelStrategy, Planner.Cost)] = []
    var combinations = 0
    for group in family.groups {
      guard let graph = graphs.graph(for: group.base) else { continue }
      let m = request.batch / (group.base.dataParallel * group.base.microBatchSize)
      let costs = layerCosts(
        graph: graph, strategy: group.base, microBatches: m, layouts: &cache)
      let partitioner = StagePartitioner(costs: costs)
      var byInterleave: [Int: [StageTally]] = [:]
      var anyFits = false
      for s in group.strategies {
        combinations += 1
        if s.interleave == 1,
          let points = partitioner.frontier(schedule: s.schedule, microBatches: m)
        {
          for point in points {
            var split = s
            split.stageLayers = Set(point.layers).count == 1 ? nil : point.layers
            anyFits = anyFits || point.memory <= request.memoryLimit
            results.append((split, Planner.Cost(time: point.time, memory: point.memory)))
          }
          continue
        }
        let tallies =
          byInterleave[s.interleave]
          ?? costs.stageTallies(s.partition(layers: graph.layerCount))
        byInterleave[s.interleave] = tallies
        let cost = costs.cost(
          tallies, schedule: s.schedule, interleave: s.interleave, microBatches: m)
        anyFits = anyFits || cost.memory <= request.memoryLimit
        results.append((s, Planner.Cost(time: cost.time, memory: cost.memory)))
      }
      if !anyFits { break }
    }
    return (results, combinations)
  }
}
