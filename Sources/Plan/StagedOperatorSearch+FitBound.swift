import TensorOptCost
import TensorOptGraph

extension StagedOperatorSearch {
  /// Whether no pipeline of `shape` (a family without its split) can fit the
  /// memory limit: every split ``splitFrontiers(of:pruning:)`` would search for
  /// it, on every stage mesh, has a ``memoryFloor(of:searchingBody:memo:)`` over the limit (lowered by
  /// ``floorMargin``, covering rounding). The cheap floor is tried first, then
  /// the one that searches the block's body. `false` when no split can be built
  /// (the family search then finds nothing anyway).
  ///
  /// The floors are the family bound's (``verdict(on:staircase:memo:)``),
  /// memoised in `memo` for it.
  func cannotFit(_ shape: PipelineFamily, memo: inout FloorMemo) -> Bool {
    let limit = request.memoryLimit
    for searchingBody in [false, true] {
      guard
        let floor = memoryFloor(of: shape, searchingBody: searchingBody, memo: &memo)
      else { return false }
      if floor * (1 - Self.floorMargin) > limit { return true }
    }
    return false
  }

  /// A lower bound on the peak memory per device of every pipeline of `shape`
  /// over every split ``splitFrontiers(of:pruning:)`` searches, on every stage
  /// mesh, or `nil` when no split can be built.
  ///
  /// Each stage's floor (``stageFloor(_:stage:mesh:searchingBody:memo:)``)
  /// weakly dominates every strategy of the stage, its memory (states,
  /// activations times the in-flight micro-batches, the largest workspace)
  /// included; a pipeline's memory is the largest of its stages', each at least
  /// the least memory of its stage's floor. So every pipeline of a split on a
  /// mesh takes at least `max_s min floor_s`, the memory of the split's leanest
  /// corner, and every pipeline of the family at least the least memory of the
  /// family floor's corners over the meshes
  /// (``familyCorners(_:searchingBody:memo:)``). (This is the memory of ``leanestCorner(on:memo:)``.)
  func memoryFloor(of shape: PipelineFamily, searchingBody: Bool, memo: inout FloorMemo)
    -> Double?
  {
    guard let layout = stageRanges(of: shape) else { return nil }
    return familyCorners(layout, searchingBody: searchingBody, memo: &memo).map(\.memory).min()
      ?? .infinity
  }
}
