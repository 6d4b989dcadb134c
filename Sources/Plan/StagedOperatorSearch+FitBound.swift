import TensorOptCost
import TensorOptGraph

extension StagedOperatorSearch {
  /// Whether no pipeline of `shape` (a family without its split) can fit the
  /// memory limit: every split ``splits(of:seeds:window:notes:)`` would search
  /// for it (with `seeds` its own splits), on every stage mesh, has a
  /// ``memoryFloor(of:seeds:searchingBody:memo:)`` over the limit (lowered by
  /// ``floorMargin``, covering rounding). The cheap floor is tried first, then
  /// the one that searches the block's body. `false` when no split can be built
  /// (the family search then finds nothing anyway).
  ///
  /// The floors are the family bound's (``verdict(on:seeds:window:staircase:memo:)``),
  /// memoised in `memo` for it.
  func cannotFit(_ shape: PipelineFamily, seeds: [[Int]], memo: inout FloorMemo) -> Bool {
    let limit = request.memoryLimit
    for searchingBody in [false, true] {
      guard
        let floor = memoryFloor(
          of: shape, seeds: seeds, searchingBody: searchingBody, memo: &memo)
      else { return false }
      if floor * (1 - Self.floorMargin) > limit { return true }
    }
    return false
  }

  /// A lower bound on the peak memory per device of every pipeline of `shape`
  /// over every split ``splits(of:seeds:window:notes:)`` lists for `seeds`, on
  /// every stage mesh, or `nil` when no split can be built.
  ///
  /// Each stage's floor (``stageFloor(_:stage:mesh:searchingBody:memo:)``)
  /// weakly dominates every strategy of the stage, its memory (states,
  /// activations times the in-flight micro-batches, the largest workspace)
  /// included; a pipeline's memory is the largest of its stages', each at least
  /// the least memory of its stage's floor. So every pipeline of a split on a
  /// mesh takes at least `max_s min floor_s`, and every pipeline of the family
  /// at least the least of those over the splits and meshes. (This is the
  /// memory of the family floor's leanest corner, ``leanestCorner(on:seeds:memo:)``.)
  func memoryFloor(
    of shape: PipelineFamily, seeds: [[Int]], searchingBody: Bool, memo: inout FloorMemo
  ) -> Double? {
    var notes: [String: Int] = [:]
    let listed = splits(of: shape, seeds: seeds, window: nil, notes: &notes).map(\.item)
    guard !listed.isEmpty else { return nil }
    var least = Double.infinity
    for mesh in DeviceMesh.shapes(deviceCount: devices / shape.stages) {
      for item in listed {
        var largest = 0.0
        for stage in item.stages.indices {
          let floor = stageFloor(
            item, stage: stage, mesh: mesh, searchingBody: searchingBody, memo: &memo)
          // No point: the stage has no strategy on this mesh, nor the split a pipeline.
          largest = max(largest, floor.map(\.memory).min() ?? .infinity)
        }
        least = min(least, largest)
      }
    }
    return least
  }
}
