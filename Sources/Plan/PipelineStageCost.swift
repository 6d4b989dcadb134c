import TensorOptCost
import TensorOptGraph

/// The cost model the operator-level search sees for one pipeline stage.
///
/// It prices each operator with ``AnalyticalStageCost`` (whose options hold the
/// iteration's micro-batch count and the stage's in-flight micro-batches) but
/// weighs the per-micro-batch work by the pipeline's `m + p − 1` slots instead
/// of `m`: time is `(m + p − 1) · (compute + exposed gathers + re-layouts) +
/// tail`, the tail being the exposed gradient synchronisation, the optimizer
/// step and, on the two ends of a tie across stages, the tied gradient's
/// all-reduce. With every stage's tail equal this is the pipeline's time when
/// the stage is the slowest (`(m + p − 1) · max t + max tail`). Memory is the
/// stage's model states plus its activations times the micro-batches in flight.
///
/// Equal models (every stored property, the workspace cap included) price
/// everything alike: the stage searches share block bodies by this equality
/// (``StagedOperatorSearch/bodies``).
struct PipelineStageCost: StageCostModel, Hashable {
  /// The per-operator costs of the stage, its devices and options.
  var base: AnalyticalStageCost
  /// The weight of per-micro-batch work: `m + p − 1`.
  var slots: Double
  /// Top-level operators whose tied weight is all-reduced with another stage,
  /// with that stage's first device.
  var tiedPartners: [String: Int]
  /// Configurations whose transient workspace exceeds this many bytes are not
  /// admitted to the search. The workspace is a maximum over operators, which
  /// the search's sums cannot hold, so the planner searches in strata of it.
  var workspaceCap = Double.infinity

  var mesh: DeviceMesh { base.mesh }

  /// What one operator costs per micro-batch (`work`) and once per iteration
  /// (`tail`), with its breakdown.
  func parts(of node: Node, in graph: Graph, configuration: OpConfiguration) -> (
    work: Double, tail: Double, cost: NodeCost
  ) {
    let cost = base.breakdown(
      of: node, in: graph, configuration: configuration, insideBlock: graph.looksLikeBlockBody)
    var tail = cost.gradientSyncExposed + cost.optimizerStep
    if let partner = tiedPartners[node.name] {
      tail += base.tiedGradientAllReduce(parameters: cost.parameters, partnerFirstDevice: partner)
    }
    return (cost.compute + cost.parameterGatherExposed, tail, cost)
  }

  func cost(of node: Node, in graph: Graph, configuration: OpConfiguration) -> CostVector {
    cost(of: parts(of: node, in: graph, configuration: configuration))
  }

  /// The search's cost of an operator's ``parts(of:in:configuration:)``: its
  /// work weighed by the slots plus its tail; states plus in-flight activations.
  func cost(of parts: (work: Double, tail: Double, cost: NodeCost)) -> CostVector {
    CostVector(
      time: slots * parts.work + parts.tail,
      memory: parts.cost.stateBytes + parts.cost.activationBytes * base.options.inFlightMicroBatches
    )
  }

  func admits(_ node: Node, in graph: Graph, configuration: OpConfiguration) -> Bool {
    guard workspaceCap.isFinite else { return true }
    return parts(of: node, in: graph, configuration: configuration).cost.workspaceBytes
      <= workspaceCap
  }

  func relayoutCost(
    of tensor: Tensor, from producer: TensorLayout, to consumer: TensorLayout,
    gradientFrom consumerGradient: TensorLayout, gradientTo producerGradient: TensorLayout
  ) -> CostVector {
    CostVector(
      time: slots
        * base.relayoutTime(
          of: tensor, from: producer, to: consumer, gradientFrom: consumerGradient,
          gradientTo: producerGradient),
      memory: 0)
  }

  func tiedWeightCost(
    of weight: Tensor, stored: TensorLayout, used: TensorLayout, gradient: TensorLayout
  ) -> CostVector {
    base.tiedWeightCost(of: weight, stored: stored, used: used, gradient: gradient)
  }
}
