import TensorOptCost
import TensorOptGraph
import TensorOptSearch

/// One point of a pipeline stage's operator-level frontier, taken apart into
/// what the pipeline formulas need: time per micro-batch, tail, memory with
/// the transient workspace, the layouts of the activations crossing its cuts,
/// and the per-kind sums for the breakdown.
struct StageCandidate: Sendable {
  /// The stage's strategy on its mesh.
  var strategy: Strategy
  /// The stage's cost before any cut re-layout.
  var cost: StageCost
  /// Per-micro-batch sums of the stage's operators (forward, backward,
  /// recomputation, exposed gathers) and once-per-iteration sums (gradient
  /// synchronisation, optimizer); bytes of states, activations of one
  /// micro-batch and the largest workspace.
  var tally: StageTally
  /// The layout the stage reads the previous stage's activation in.
  var inputLayout: TensorLayout?
  /// The layout the stage leaves its activation for the next stage in.
  var outputLayout: TensorLayout?

  /// Takes apart `point`, found for `stage` with `model`.
  ///
  /// The tail and memory are re-summed per operator; the time per micro-batch
  /// is what remains of the search's time once the tail is taken out, divided by
  /// the model's slots (so it holds the re-layouts between operators too).
  init(_ point: PlanPoint, stage: StageGraph, model: PipelineStageCost) {
    strategy = point.strategy
    var tally = StageTally()
    var tail = 0.0
    func add(_ node: Node, _ graph: Graph, _ configuration: OpConfiguration, times: Int) {
      let parts = model.parts(of: node, in: graph, configuration: configuration)
      for _ in 0..<times {
        tally.accumulate(parts.cost)
        tail += parts.tail
      }
      // The replica's all-reduce is exposed gradient synchronisation.
      let allReduce = parts.tail - parts.cost.gradientSyncExposed - parts.cost.optimizerStep
      tally.gradientSync += Double(times) * allReduce
      tally.gradientSyncExposed += Double(times) * allReduce
    }
    for node in stage.graph.nodes {
      switch node.content {
      case .op:
        if let configuration = point.strategy.operators[node.name] {
          add(node, stage.graph, configuration, times: 1)
        }
      case .block(let block):
        guard let choices = point.strategy.blocks[node.name] else { continue }
        for bodyNode in block.body.nodes {
          var counts: [OpConfiguration: Int] = [:]
          for configuration in choices.operators[bodyNode.name] ?? [] {
            counts[configuration, default: 0] += 1
          }
          for (configuration, count) in counts.sorted(by: {
            $0.key.description < $1.key.description
          }) {
            add(bodyNode, block.body, configuration, times: count)
          }
        }
      }
    }
    self.tally = tally
    let inFlight = model.base.options.inFlightMicroBatches
    cost = StageCost(
      work: max(point.cost.time - tail, 0) / model.slots, tail: tail,
      memory: tally.stateBytes + tally.activationBytes * inFlight + tally.workspaceBytes)
    inputLayout = stage.input.flatMap { point.strategy.tensors[stage.graph.tensors[$0].name] }
    outputLayout = stage.output.flatMap { point.strategy.tensors[stage.graph.tensors[$0].name] }
  }

  /// Seconds per micro-batch of the stage's compute and exposed gathers.
  var compute: Double {
    tally.forward + tally.backward + tally.recompute + tally.parameterGather
  }
}
