import TensorOptCost
import TensorOptGraph

@testable import TensorOptSearch

/// A test cost model that prices everything as its ``base`` does; conformers
/// add what they change (a label, an admission rule).
protocol ForwardingStageCost: StageCostModel {
  /// The model every price comes from.
  var base: SimpleStageCost { get }
}

extension ForwardingStageCost {
  var mesh: DeviceMesh { base.mesh }

  func cost(of node: Node, in graph: Graph, configuration: OpConfiguration) -> CostVector {
    base.cost(of: node, in: graph, configuration: configuration)
  }

  func relayoutCost(
    of tensor: Tensor, from producer: TensorLayout, to consumer: TensorLayout,
    gradientFrom consumerGradient: TensorLayout, gradientTo producerGradient: TensorLayout
  ) -> CostVector {
    base.relayoutCost(
      of: tensor, from: producer, to: consumer, gradientFrom: consumerGradient,
      gradientTo: producerGradient)
  }

  func tiedWeightCost(
    of weight: Tensor, stored: TensorLayout, used: TensorLayout, gradient: TensorLayout
  ) -> CostVector {
    base.tiedWeightCost(of: weight, stored: stored, used: used, gradient: gradient)
  }
}
