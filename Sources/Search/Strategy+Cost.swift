import TensorOptCost
import TensorOptGraph

extension Strategy {
  /// The cost of this strategy for `graph` under `costModel`, computed from
  /// scratch on the expanded problem (every block repetition inlined, no
  /// pruning): the sum of its operators' costs and its re-layout costs.
  ///
  /// - Throws: ``SearchError`` when the strategy misses an operator or tensor,
  ///   or names a configuration the operator does not have.
  public func cost(in graph: Graph, costModel: any StageCostModel) throws(SearchError) -> CostVector
  {
    guard costModel.mesh == mesh else {
      throw SearchError("the strategy is for mesh \(mesh), the cost model for \(costModel.mesh)")
    }
    let problem = try StageProblem(
      graph: graph, costModel: costModel, expandingBlocks: true, pruning: false)
    return problem.configurationGraph.cost(of: try problem.assignment(of: self))
  }
}

extension StageProblem {
  /// The configuration index of every top-level node under `strategy`.
  public func assignment(of strategy: Strategy) throws(SearchError) -> [Int] {
    var result: [Int] = []
    for node in nodes {
      let block = node.location.block.map { graph.nodes[$0] }
      switch node.content {
      case .op(let index, let configurations, _):
        let wanted: OpConfiguration?
        let name: String
        if let block, let body = block.block {
          name = "\(block.name).\(body.body.nodes[index].name)"
          wanted =
            strategy.blocks[block.name]?.operators[body.body.nodes[index].name]?[
              node.location.repetition]
        } else {
          name = graph.nodes[index].name
          wanted = strategy.operators[name]
        }
        guard let wanted else {
          throw SearchError("the strategy has no configuration for operator '\(name)'")
        }
        guard let chosen = configurations.firstIndex(of: wanted) else {
          throw SearchError("operator '\(name)' has no configuration \(wanted) on mesh \(mesh)")
        }
        result.append(chosen)
      case .tensor(let id, let boundary, let layouts):
        let wanted: TensorLayout?
        if let boundary, let block {
          wanted = strategy.blocks[block.name]?.boundaries[node.location.repetition + boundary - 1]
        } else {
          wanted = strategy.tensors[graph.tensors[id].name]
        }
        guard let wanted, let chosen = layouts.firstIndex(of: wanted) else {
          throw SearchError(
            "the strategy has no valid layout for a boundary tensor of '\(graph.tensors[id].name)'")
        }
        result.append(chosen)
      }
    }
    return result
  }
}
