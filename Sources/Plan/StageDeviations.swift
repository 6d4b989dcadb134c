import TensorOptCost
import TensorOptGraph
import TensorOptSearch

/// The operators of a pipeline whose per-stage configurations differ from a
/// uniform Megatron layout on the stage mesh (what ``PlanStrategy/deviations``
/// lists for a point of the operator-level search inside stages).
///
/// On a 1-D mesh the closest of pure data parallelism, tensor parallelism and
/// tensor parallelism with sequence parallelism is the reference; on a 2-D mesh
/// `[a, b]`, data parallelism by `a` and tensor parallelism by `b`, with or
/// without sequence parallelism: whichever leaves the fewest operators apart.
enum StageDeviations {
  /// The qualified names (`block/op` inside blocks) of operators configured
  /// otherwise than the closest reference in some stage or repetition, sorted.
  static func names(stages: [StageGraph], strategies: [Strategy], mesh: DeviceMesh) -> [String] {
    names(graphs: stages.map(\.graph), strategies: strategies, mesh: mesh)
  }

  /// The same for the graphs of the stages (one graph for a single-stage point).
  static func names(graphs: [Graph], strategies: [Strategy], mesh: DeviceMesh) -> [String] {
    let axes: [(data: Int?, tensor: Int?, sequence: Bool)] =
      mesh.shape.count == 1
      ? [(0, nil, false), (nil, 0, false), (nil, 0, true)] : [(0, 1, false), (0, 1, true)]
    var best: Set<String>? = nil
    for reference in axes {
      var names: Set<String> = []
      for (graph, strategy) in zip(graphs, strategies) {
        let uniform = UniformLayout.megatron(
          graph: graph, mesh: mesh, dataAxis: reference.data, tensorAxis: reference.tensor,
          sequenceParallel: reference.sequence)
        for (index, node) in graph.nodes.enumerated() {
          switch (node.content, uniform.nodes[safe: index]) {
          case (.op, .op(let expected)?):
            if let chosen = strategy.operators[node.name], chosen != expected {
              names.insert(node.name)
            }
          case (.block(let block), .block(let body)?):
            let choices = strategy.blocks[node.name]
            for (bodyIndex, bodyNode) in block.body.nodes.enumerated() {
              guard let expected = body.operatorConfiguration(at: bodyIndex),
                let chosen = choices?.operators[bodyNode.name]
              else { continue }
              if chosen.contains(where: { $0 != expected }) {
                names.insert("\(node.name)/\(bodyNode.name)")
              }
            }
          default:
            continue
          }
        }
      }
      if best.map({ names.count < $0.count }) ?? true { best = names }
    }
    return (best ?? []).sorted()
  }
}
