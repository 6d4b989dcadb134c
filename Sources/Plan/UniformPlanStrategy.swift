import TensorOptCost
import TensorOptGraph

extension PlanStrategy {
  /// The complete plan strategy of a uniform (`evaluate`) strategy on `graph`
  /// (built for one micro-batch of every replica, vocabulary padded as
  /// `evaluate` pads it): the Megatron layout on the stage mesh `[dp, tp]`, and
  /// layers dealt to `pp · interleave` chunks as `StrategyEvaluator` deals them
  /// (``ParallelStrategy/partition(layers:)``: the strategy's stage layers, else
  /// balanced; operators before the first layer in chunk 0, others in the chunk
  /// of the preceding layer; chunk `c` on stage `c mod pp`).
  public static func uniform(
    _ s: ParallelStrategy, graph: Graph, microBatches: Int
  ) -> PlanStrategy {
    let mesh = DeviceMesh([s.dataParallel, s.tensorParallel])
    let configuration = UniformLayout.megatron(
      graph: graph, mesh: mesh, dataAxis: 0, tensorAxis: 1, sequenceParallel: s.sequenceParallel)
    let p = s.pipelineStages
    let layout = s.partition(layers: graph.layerCount)
    var stages = (0..<p).map { stage in
      PlanStage(
        stage: stage, firstDevice: stage * mesh.deviceCount,
        layers: layout.ranges(ofStage: stage, stages: p), operators: [:])
    }
    var layer = 0
    for (index, node) in graph.nodes.enumerated() {
      switch (node.content, configuration.nodes[safe: index]) {
      case (.op, .op(let config)?):
        let chunk = layer == 0 ? 0 : layout.chunk(ofLayer: layer - 1)
        stages[chunk % p].operators[node.name] = config.description
      case (.block(let block), .block(let body)?):
        var operators: [String: OpConfiguration] = [:]
        for (bodyIndex, bodyNode) in block.body.nodes.enumerated() {
          if let config = body.operatorConfiguration(at: bodyIndex) {
            operators[bodyNode.name] = config
          }
        }
        var ranges = Array(repeating: [[Int]](), count: p)
        for repetition in 0..<block.repeatCount {
          let stage = layout.chunk(ofLayer: layer + repetition) % p
          if let last = ranges[stage].last, last[1] == repetition {
            ranges[stage][ranges[stage].count - 1][1] = repetition + 1
          } else {
            ranges[stage].append([repetition, repetition + 1])
          }
        }
        for stage in 0..<p where !ranges[stage].isEmpty {
          stages[stage].blocks[node.name] = PlanBlockChoices(
            repetitions: ranges[stage], uniform: operators)
        }
        layer += block.repeatCount
      default:
        continue
      }
    }
    return PlanStrategy(
      dp: s.dataParallel, tp: s.tensorParallel, pp: p, microbatch: s.microBatchSize,
      microBatches: microBatches, schedule: s.schedule, interleave: s.interleave,
      recompute: s.recomputation, zero: s.zeroStage, sequenceParallel: s.sequenceParallel,
      stageMesh: mesh.shape, uniformLayout: true, stages: stages)
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
