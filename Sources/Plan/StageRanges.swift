import Synchronization
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
  /// dynamic programme over (stages used, layers placed) works on. Memoised per
  /// family in ``StageRangesMemo``.
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
    /// Per stage `s` and range, the family (without its split) and graph with
    /// the range's stage graph as stage `s` (``StageGraph/stage(of:start:end:stages:)``);
    /// the other stages repeat it and are never read: every use of a range's
    /// item (its key, cost model, search, floors) reads its own stage only.
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
  }

  /// The ranges of `shape`'s stages, or `nil` when its graph cannot be built,
  /// no split can be searched, or a tied operator sits between layers (its
  /// partner's stage would then depend on the whole split); from ``rangeMemo``
  /// when it has them.
  func stageRanges(of shape: PipelineFamily) -> StageRanges? {
    guard let memo = rangeMemo else { return cutRanges(of: shape) }
    if let known = memo.layouts.withLock({ $0[shape] }) { return known }
    let layout = cutRanges(of: shape)
    memo.layouts.withLock { $0[shape] = .some(layout) }
    return layout
  }

  /// ``stageRanges(of:)`` computed.
  func cutRanges(of shape: PipelineFamily) -> StageRanges? {
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
    // back[k][c]: whether k stages starting at c can end at `layers`.
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
          guard
            let part = StageGraph.stage(of: graph, start: start, end: end, stages: p)
          else { continue }
          list.append(LayerRange(start: start, end: end))
          // Only the range's own stage is read (see ``StageRanges/items``).
          cut.append(
            Prepared(family: shape, graph: graph, stages: Array(repeating: part, count: p)))
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
}

/// The stage ranges of the families a search and its copies met (each family
/// cut once per plan, not once per bound and search).
final class StageRangesMemo: Sendable {
  /// Per family without its split, its ranges (`nil`: none can be searched).
  let layouts = Mutex<[PipelineFamily: StagedOperatorSearch.StageRanges?]>([:])
}
