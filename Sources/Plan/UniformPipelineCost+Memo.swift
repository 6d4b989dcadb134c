import TensorOptCost
import TensorOptGraph

extension UniformPipelineCost {
  /// The option-independent costs (``OperatorShardCost``) of the operators of
  /// one graph under one set of layouts, per stage placement, computed on first
  /// use: every ZeRO stage, recomputation policy and micro-batch count screened
  /// with those layouts shares them.
  ///
  /// A shard cost depends on the operator, its graph, configuration and producer
  /// layouts and on the mesh (all fixed by the ``Layouts`` holding the memo), on
  /// the cluster (fixed for a cache: one cache serves one ``UniformPipelineCost``)
  /// and on the stage's first device and precision policy (the ``Scope``).
  struct ShardMemo {
    /// What a shard cost depends on beyond its ``Layouts``.
    struct Scope: Hashable {
      var firstDevice: Int
      var dtype: DTypePolicy
    }

    /// The slot of the first body operator of the block at each top-level node
    /// (top-level node `i` has slot `i`).
    var bodyStart: [Int: Int] = [:]
    /// Slots in all.
    var count = 0
    /// Per scope, the known shard costs by slot.
    var entries: [Scope: [OperatorShardCost?]] = [:]

    /// Numbers the operators of `graph` (top level, then block bodies).
    init(graph: Graph) {
      count = graph.nodes.count
      for (index, node) in graph.nodes.enumerated() {
        guard let block = node.block else { continue }
        bodyStart[index] = count
        count += block.body.nodes.count
      }
    }

    /// The scope of `model`.
    static func scope(of model: AnalyticalStageCost) -> Scope {
      Scope(firstDevice: model.firstDevice, dtype: model.options.dtype)
    }

    /// Takes the slots of `model`'s scope out of the memo (empty when new).
    mutating func take(for model: AnalyticalStageCost) -> [OperatorShardCost?] {
      entries.removeValue(forKey: Self.scope(of: model))
        ?? Array(repeating: nil, count: count)
    }

    /// Puts back the slots ``take(for:)`` took out.
    mutating func put(_ slots: [OperatorShardCost?], for model: AnalyticalStageCost) {
      entries[Self.scope(of: model)] = slots
    }
  }

  /// The shard cost of `graph`'s node `index` on `model` (re-layouts from
  /// `layouts` included), from `slots[slot]` when known (without reading the
  /// node); `nil` for a block.
  static func shard(
    at index: Int, of graph: Graph, config: OpConfiguration, layouts: [TensorID: TensorLayout],
    model: AnalyticalStageCost, insideBlock: Bool, slot: Int, slots: inout [OperatorShardCost?]
  ) -> OperatorShardCost? {
    if let known = slots[slot] { return known }
    let shard = model.shardCost(
      of: graph.nodes[index], in: graph, configuration: config, insideBlock: insideBlock,
      producedLayouts: layouts)
    slots[slot] = shard
    return shard
  }

  /// One operator's tally on `model`: its cost plus the re-layouts of its
  /// inputs (as the evaluator's).
  static func tally(_ shard: OperatorShardCost?, model: AnalyticalStageCost) -> StageTally {
    var tally = StageTally()
    guard let shard else { return tally }
    tally.accumulate(model.breakdown(of: shard))
    tally.tensorParallel += shard.inputRelayout
    return tally
  }
}
