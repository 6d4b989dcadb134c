import TensorOptCost
import TensorOptGraph

extension OperatorLevelSearch {
  /// The search memory below which every strategy's entry surely fits: the
  /// memory limit less the largest transient workspace any operator
  /// configuration on any of `models`' meshes adds (an entry's memory is the
  /// search's plus its largest workspace), less a rounding margin.
  func memoryCeiling(of graph: Graph, models: [AnalyticalStageCost]) -> Double {
    var workspace = 0.0
    for model in models {
      workspace = max(workspace, largestWorkspace(of: graph, model: model, insideBlock: false))
    }
    return (request.memoryLimit - workspace) * (1 - 1e-9)
  }

  /// The largest transient workspace of any operator of `graph` (block bodies
  /// included) under any of its configurations on `model`'s mesh.
  private func largestWorkspace(of graph: Graph, model: AnalyticalStageCost, insideBlock: Bool)
    -> Double
  {
    var largest = 0.0
    for node in graph.nodes {
      switch node.content {
      case .op(let op):
        let dimensions = op.parallelDimensions(
          inputs: graph.inputTensors(of: node).map(\.shape),
          output: graph.outputTensor(of: node).shape)
        for configuration in OpConfiguration.all(for: dimensions, on: model.mesh) {
          let cost = model.breakdown(
            of: node, in: graph, configuration: configuration, insideBlock: insideBlock)
          largest = max(largest, cost.workspaceBytes)
        }
      case .block(let block):
        largest = max(
          largest, largestWorkspace(of: block.body, model: model, insideBlock: true))
      }
    }
    return largest
  }
}
