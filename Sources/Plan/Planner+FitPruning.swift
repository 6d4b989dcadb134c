import TensorOptCost

extension Planner {
  /// The pipelined family FT inside stages would search for `s` (its even
  /// split), or `nil` when that search does not cover it (a single stage,
  /// interleaving, full recomputation) or its micro-batches do not divide the batch.
  func pipelineFamily(of s: ParallelStrategy, layers: Int) -> PipelineFamily? {
    let replicas = s.dataParallel * s.microBatchSize
    guard replicas > 0, request.batch % replicas == 0 else { return nil }
    return PipelineFamily(s, microBatches: request.batch / replicas, layers: layers)
  }

  /// The `--verbose` counts of `uncosted`, the combinations past a family's
  /// uniform cut (``ScreenedFamily/uncosted``): with `coversStages` (FT inside
  /// stages ran), those whose pipelined family is in `unfit` (a lower bound on
  /// every pipeline's memory is over the limit) under ``unfitNote``, the other
  /// pipelined ones under ``perOperatorNote`` (their family is searched, or ruled
  /// out by the family bound, like any other); every other combination, whose
  /// only layouts searched are the uniform ones, under ``uniformCutNote``.
  func fitNotes(
    uncosted: [ParallelStrategy], unfit: Set<PipelineFamily>, coversStages: Bool, layers: Int
  ) -> [String: Int] {
    var notes: [String: Int] = [:]
    for s in uncosted {
      guard coversStages, let family = pipelineFamily(of: s, layers: layers) else {
        notes[Self.uniformCutNote, default: 0] += 1
        continue
      }
      let note = unfit.contains(family.withoutSplit) ? Self.unfitNote : Self.perOperatorNote
      notes[note, default: 0] += 1
    }
    return notes
  }

  /// The `--verbose` note for combinations searched with uniform layouts only
  /// (single-stage, interleaved, full recomputation, or without FT inside
  /// stages) past the first micro-batch size of their family at which no
  /// uniform strategy fits, and for those whose graph cannot be built.
  static let uniformCutNote = "larger micro-batches cannot fit (or the graph cannot be built)"

  /// The `--verbose` note for pipelined combinations past their family's
  /// uniform cut whose pipelined family a lower bound on the memory of every
  /// per-operator layout rules out.
  static let unfitNote =
    "larger micro-batches cannot fit (a lower bound on the memory of every per-operator "
    + "layout of their pipelined family is over the limit)"

  /// The `--verbose` note for pipelined combinations past their family's
  /// uniform cut, not costed with uniform layouts, whose pipelined family FT
  /// inside stages searches or rules out by the family bound.
  static let perOperatorNote =
    "larger micro-batches cannot fit with uniform layouts (not costed; FT inside pipeline "
    + "stages searches or bounds their pipelined families)"
}
