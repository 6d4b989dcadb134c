import TensorOptCost
import TensorOptGraph

extension StagedOperatorSearch {
  /// One contiguous run of layers `[start, end)` a pipeline stage can hold.
  struct LayerRange: Hashable, Sendable {
    var start: Int
    var end: Int
  }

  /// Every layer range each stage of a family (taken without its split) can
  /// run over every split whose cuts can be searched stage by stage: what the
  /// dynamic programme over (stages used, layers placed) works on.
  ///
  /// A stage's graph depends on its own range only — its operators, the
  /// activations crossing its two cuts, and (since every tied operator sits
  /// before the first layer, with the first or after the last) its tied
  /// partners' stages — so one search of stage `s` on a range serves every
  /// split that gives `s` that range. A split can be searched exactly when each
  /// of its cuts can (``StageGraph/stages(of:partition:)`` checks each cut
  /// against the tensors crossing it, a superset of those any one stage reads).
  struct StageRanges: Sendable {
    /// The family without its split.
    var shape: PipelineFamily
    /// Its graph (one micro-batch).
    var graph: Graph
    /// Layers of the model.
    var layers: Int
    /// Per stage, the ranges some searchable split gives it, by (start, end).
    var ranges: [[LayerRange]]
    /// Per stage and range, a split holding that range, cut into stages.
    var items: [[Prepared]]
    /// The activation crossing each cut `1..<layers`, `nil` where a split
    /// cannot be cut.
    var cutTensors: [TensorID?]
    /// Splits of the layers into the family's stages, and how many of them
    /// have every cut searchable (each saturating at `Int.max`).
    var splitCount: Int
    var searchableSplits: Int

    /// The stages.
    var stages: Int { shape.stages }

    /// The index of `range` among stage `stage`'s ranges, if it has it.
    func index(of range: LayerRange, stage: Int) -> Int? {
      ranges[stage].firstIndex(of: range)
    }
  }

  /// The ranges of `shape`'s stages, or `nil` when its graph cannot be built,
  /// no split can be searched, or a tied operator sits between layers (its
  /// partner's stage would then depend on the whole split).
  func stageRanges(of shape: PipelineFamily) -> StageRanges? {
    guard let graph = graph(for: shape) else { return nil }
    let (layers, p) = (graph.layerCount, shape.stages)
    guard p > 1, layers >= p else { return nil }
    for tie in TiedWeight.ties(in: graph) {
      for before in [tie.tiedLayersBefore, tie.ownerLayersBefore]
      where before > 1 && before < layers {
        return nil
      }
    }
    // A cut can be searched when the two-stage split at it can.
    var cutTensors = [TensorID?](repeating: nil, count: layers)
    for cut in 1..<layers {
      let split = LayerPartition(chunkLayers: [cut, layers - cut])
      cutTensors[cut] = StageGraph.stages(of: graph, partition: split)?.first?.output
    }
    func open(_ position: Int) -> Bool {
      position == 0 || position == layers || cutTensors[position] != nil
    }
    // reach[k][c]: the first k stages can end at c (ways, saturating);
    // back[k][c]: how many stages after c can still end at `layers`.
    var reach = [[Int]](repeating: [Int](repeating: 0, count: layers + 1), count: p + 1)
    reach[0][0] = 1
    for k in 1...p {
      for end in 1...layers where open(end) {
        for start in 0..<end where reach[k - 1][start] > 0 {
          let (sum, overflow) = reach[k][end].addingReportingOverflow(reach[k - 1][start])
          reach[k][end] = overflow ? Int.max : sum
        }
      }
    }
    var back = [[Bool]](repeating: [Bool](repeating: false, count: layers + 1), count: p + 1)
    back[0][layers] = true
    for k in 1...p {
      for start in 0..<layers where open(start) {
        back[k][start] = (start + 1...layers).contains { back[k - 1][$0] && open($0) }
      }
    }
    guard reach[p][layers] > 0 else { return nil }
    var ranges: [[LayerRange]] = []
    var items: [[Prepared]] = []
    for stage in 0..<p {
      var list: [LayerRange] = []
      var cut: [Prepared] = []
      for start in 0..<layers where reach[stage][start] > 0 {
        for end in (start + 1)...layers where open(end) && back[p - 1 - stage][end] {
          let range = LayerRange(start: start, end: end)
          guard
            let split = completion(
              of: range, stage: stage, stages: p, layers: layers, open: open, reach: reach,
              back: back),
            let item = prepare(shape.with(split: split), graph: graph)
          else { continue }
          list.append(range)
          cut.append(item)
        }
      }
      ranges.append(list)
      items.append(cut)
    }
    return StageRanges(
      shape: shape, graph: graph, layers: layers, ranges: ranges, items: items,
      cutTensors: cutTensors, splitCount: PipelineFamily.splitCount(layers: layers, stages: p),
      searchableSplits: reach[p][layers])
  }

  /// A split giving stage `stage` the layers of `range`, every cut open:
  /// before it, each earlier stage one layer where it can (the latest cut from
  /// which the stages before can still start at layer 0); after it, each later
  /// stage one layer where it can (the earliest cut from which the stages after
  /// can still end at the last layer).
  private func completion(
    of range: LayerRange, stage: Int, stages p: Int, layers: Int, open: (Int) -> Bool,
    reach: [[Int]], back: [[Bool]]
  ) -> [Int]? {
    var before = [range.start]
    for k in stride(from: stage, to: 0, by: -1) {
      let end = before[before.count - 1]
      guard let start = (0..<end).last(where: { reach[k - 1][$0] > 0 && open($0) }) else {
        return nil
      }
      before.append(start)
    }
    var cuts = Array(before.reversed())
    cuts.append(range.end)
    for k in (stage + 1)..<p {
      let start = cuts[cuts.count - 1]
      guard
        let end = ((start + 1)...layers).first(where: { open($0) && back[p - 1 - k][$0] })
      else { return nil }
      cuts.append(end)
    }
    guard cuts.first == 0, cuts.last == layers else { return nil }
    return zip(cuts.dropFirst(), cuts).map { $0 - $1 }
  }
}
