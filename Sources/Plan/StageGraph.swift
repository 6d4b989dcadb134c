import TensorOptCost
import TensorOptGraph

/// One pipeline stage's part of a model graph: the operators and block
/// repetitions it runs, as a graph the operator-level search can take, and the
/// activations that cross into and out of it.
///
/// Layers are dealt as ``LayerPartition`` deals them (operators before the first
/// layer with layer 0, every other with the layer before it). A block cut by a
/// stage boundary keeps its node name and tensors with fewer repetitions. A
/// tied operator whose owner runs on another stage becomes its replica
/// (``TiedWeight/replica(of:)``: it holds the weight itself, as the uniform
/// path prices it); both ends are named so that their tails can pay the tied
/// gradient's all-reduce.
struct StageGraph: Sendable {
  /// The stage's graph: the model's tensors, the stage's nodes.
  var graph: Graph
  /// The layers `[start, end)` the stage runs.
  var layers: [Int]
  /// The activation received from the previous stage (`nil` on stage 0).
  var input: TensorID?
  /// The activation sent to the next stage (`nil` on the last stage).
  var output: TensorID?
  /// Per block the stage runs part of, its repetitions `[start, end)` within the block.
  var repetitions: [String: [Int]]
  /// Top-level operators of this stage whose tied weight lives on another
  /// stage too, with that stage's number.
  var tiedPartners: [String: Int]

  /// The stages of `graph` under `partition` (one chunk per stage), or `nil`
  /// when the stages cannot be searched one by one: a cut crossed by more than
  /// one tensor, or by one that is not a block boundary on both sides.
  static func stages(of graph: Graph, partition: LayerPartition) -> [StageGraph]? {
    let p = partition.chunks
    guard p > 1 else { return nil }
    var layersBefore: [Int] = []
    var layers = 0
    for node in graph.nodes {
      layersBefore.append(layers)
      layers += node.block?.repeatCount ?? 0
    }
    var starts = [0]
    for count in partition.chunkLayers { starts.append(starts[starts.count - 1] + count) }
    var ties: [Int: (partner: Int, owner: Bool)] = [:]
    for tie in TiedWeight.ties(in: graph) {
      let tiedStage = partition.chunk(afterLayers: tie.tiedLayersBefore)
      let ownerStage = partition.chunk(afterLayers: tie.ownerLayersBefore)
      guard tiedStage != ownerStage else { continue }
      ties[tie.tied] = (ownerStage, false)
      ties[tie.owner] = (tiedStage, true)
    }
    var stages: [StageGraph] = []
    for stage in 0..<p {
      let (first, last) = (starts[stage], starts[stage + 1])
      var nodes: [Node] = []
      var repetitions: [String: [Int]] = [:]
      var partners: [String: Int] = [:]
      for (index, node) in graph.nodes.enumerated() {
        switch node.content {
        case .op:
          guard partition.chunk(afterLayers: layersBefore[index]) == stage else { continue }
          if let tie = ties[index] {
            partners[node.name] = tie.partner
            nodes.append(tie.owner ? node : TiedWeight.replica(of: node))
          } else {
            nodes.append(node)
          }
        case .block(let block):
          let low = max(layersBefore[index], first)
          let high = min(layersBefore[index] + block.repeatCount, last)
          guard high > low else { continue }
          var part = node
          part.content = .block(Block(name: block.name, body: block.body, repeatCount: high - low))
          nodes.append(part)
          repetitions[node.name] = [low - layersBefore[index], high - layersBefore[index]]
        }
      }
      let produced = Set(nodes.map(\.output))
      var inputs: [TensorID] = []
      for node in nodes {
        for id in node.inputs where !produced.contains(id) && !inputs.contains(id) {
          inputs.append(id)
        }
      }
      stages.append(
        StageGraph(
          graph: Graph(tensors: graph.tensors, nodes: nodes, inputs: inputs, outputs: []),
          layers: [first, last], input: nil, output: nil, repetitions: repetitions,
          tiedPartners: partners))
    }
    // The activation crossing each cut: the later stage's one input that is
    // not a model input (so nothing else crosses), the input of a block cut in two.
    let modelInputs = Set(graph.inputs)
    for stage in 1..<p {
      let crossing = stages[stage].graph.inputs.filter { !modelInputs.contains($0) }
      guard crossing.count == 1, let id = crossing.first,
        let previous = stages[stage - 1].graph.nodes.last, let block = previous.block,
        stages[stage].graph.nodes.first?.block?.name == block.name,
        stages[stage].graph.nodes.first?.inputs.first == id
      else { return nil }
      stages[stage].input = id
      stages[stage - 1].output = previous.output
    }
    for stage in 0..<p {
      var outputs = stages[stage].output.map { [$0] } ?? []
      if stage == p - 1 {
        let produced = Set(stages[stage].graph.nodes.map(\.output))
        outputs = graph.outputs.filter(produced.contains)
      }
      stages[stage].graph.outputs = outputs
    }
    return stages
  }
}

extension StageGraph {
  /// The stage of a pipeline of `stages` stages running layers `[start, end)`
  /// of `graph`, cut from the split with at most one stage before and one after
  /// it, or `nil` when one of its cuts cannot be searched.
  ///
  /// A stage's operators, blocks and crossing activations depend on its own
  /// cuts only; its tied partners' stages are renumbered as the first (0) or
  /// the last (`stages − 1`), which is right when every tied operator sits
  /// before the first layer, with it, or after the last (then a tie's ends are
  /// on the first and last stages whatever the split).
  static func stage(of graph: Graph, start: Int, end: Int, stages: Int) -> StageGraph? {
    let layers = graph.layerCount
    guard stages > 1, 0 <= start, start < end, end <= layers else { return nil }
    let chunks = [start, end - start, layers - end]
    let kept = chunks.indices.filter { chunks[$0] > 0 || $0 == 1 }
    guard
      let cut = StageGraph.stages(
        of: graph, partition: LayerPartition(chunkLayers: kept.map { chunks[$0] })),
      let own = kept.firstIndex(of: 1)
    else { return nil }
    var result = cut[own]
    let last = cut.count - 1
    result.tiedPartners = result.tiedPartners.mapValues { $0 == last ? stages - 1 : $0 }
    return result
  }
}
