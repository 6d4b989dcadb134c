import TensorOptCost
import TensorOptGraph

/// The graphs the outer search costs, built once each: one per (samples per
/// micro-batch over all replicas, vocabulary multiple), padded as `evaluate` pads.
struct GraphCache: Sendable {
  struct Key: Hashable, Sendable {
    var batch: Int
    var vocabularyMultiple: Int
  }

  private var graphs: [Key: Graph] = [:]

  static func key(for s: ParallelStrategy) -> Key {
    Key(batch: s.dataParallel * s.microBatchSize, vocabularyMultiple: s.vocabularyMultiple)
  }

  /// The graph `s` is costed on, or `nil` when it could not be built.
  func graph(for s: ParallelStrategy) -> Graph? { graphs[Self.key(for: s)] }

  /// Builds every graph `strategies` need (in parallel, deterministic).
  static func build(for strategies: [ParallelStrategy], request: PlanRequest)
    async throws(PlanError)
    -> GraphCache
  {
    let keys = Array(Set(strategies.map(key(for:)))).sorted {
      ($0.batch, $0.vocabularyMultiple) < ($1.batch, $1.vocabularyMultiple)
    }
    let model = request.model
    let seq = request.seq
    let built = await ParallelMap.map(count: keys.count, threads: request.threads) {
      index -> Graph? in
      guard let graph = try? model.graph(batchSize: keys[index].batch, sequenceLength: seq) else {
        return nil
      }
      return model.family == .language
        ? graph.paddingVocabulary(toMultipleOf: keys[index].vocabularyMultiple) : graph
    }
    var cache = GraphCache()
    for (key, graph) in zip(keys, built) { cache.graphs[key] = graph }
    return cache
  }
}
