import TensorOptCost
import TensorOptSearch

extension Planner {
  /// The pipelined families FT searches inside their stages, and what it found.
  struct StagedResult {
    /// The pipelines found, every family's frontier, in the order searched.
    var entries: [PlanEntry] = []
    /// Distinct (stage problem, mesh) searches.
    var searches = 0
    /// Families searched, skipped, and what was left unsearched (`--verbose`).
    var notes: [String: Int] = [:]
    /// The families (without their splits) met only past a uniform cut whose
    /// every pipeline a lower bound shows over the memory limit: not searched.
    var unfit: Set<PipelineFamily> = []
  }

  /// FT inside the stages of every pipelined family of the screened
  /// combinations (`strategies`, with their screened `costs`): first, together,
  /// the families of points on the uniform frontier (`front`, with their
  /// evaluations, each seeded with those points' splits); then every other
  /// family, one at a time, the one whose floor reaches the least memory first
  /// (``StagedOperatorSearch/leanestCorner(on:memo:)``), each seeded with
  /// the split of its fastest screened point. The families of `uncosted` (the
  /// combinations past a uniform cut, with their even splits) that no screened
  /// combination brings join the others unless their memory floor
  /// (``StagedOperatorSearch/cannotFit(_:memo:)``) is over the limit;
  /// those are left out and returned in ``StagedResult/unfit``.
  ///
  /// With ``prunesOperatorSearch``, a family is skipped when the family bound
  /// (``StagedOperatorSearch/verdict(on:staircase:memo:)``) shows
  /// that every pipeline of it is strictly dominated by a point of `known` (the
  /// uniform and single-stage entries) or by a pipeline found before: all of
  /// those join the final Pareto set, so such a pipeline could be neither on the
  /// frontier nor in the infeasible list. Later stage searches are bounded by
  /// the fitting ones of those points too. Everything runs in a fixed order, so
  /// the result does not depend on the thread count.
  func stagedEntries(
    strategies: [ParallelStrategy], costs: [Cost], front: [Int], evaluated: [Int: Evaluation],
    layers: Int, search: StagedOperatorSearch, known: [PlanEntry], uncosted: [PipelineFamily]
  ) async -> StagedResult {
    var first: Set<PipelineFamily> = []
    for index in front {
      guard let evaluation = evaluated[index],
        let family = PipelineFamily(
          strategies[index], microBatches: evaluation.microBatches, layers: layers)
      else { continue }
      first.insert(family)
    }
    let firstShapes = Set(first.map(\.withoutSplit))
    // Every other family, seeded with its fastest screened point's split.
    var fastest: [PipelineFamily: (time: Double, family: PipelineFamily)] = [:]
    for (index, s) in strategies.enumerated() where costs[index].time.isFinite {
      guard s.dataParallel * s.microBatchSize > 0,
        let family = PipelineFamily(
          s, microBatches: request.batch / (s.dataParallel * s.microBatchSize), layers: layers)
      else { continue }
      let shape = family.withoutSplit
      guard !firstShapes.contains(shape) else { continue }
      if let seen = fastest[shape], seen.time <= costs[index].time { continue }
      fastest[shape] = (costs[index].time, family)
    }
    var result = StagedResult()
    var memo = StagedOperatorSearch.FloorMemo()
    var search = search
    var groups = [first.sorted(by: PipelineFamily.precedes)]
    var second = fastest.values.map(\.family)
    // Families met only past a uniform cut: per-operator layouts may still fit.
    var met = firstShapes.union(fastest.keys)
    for family in uncosted {
      let shape = family.withoutSplit
      guard met.insert(shape).inserted else { continue }
      if dropsUnfitFamilies, search.cannotFit(shape, memo: &memo) {
        result.unfit.insert(shape)
      } else {
        second.append(family)
      }
    }
    second.sort(by: PipelineFamily.precedes)
    if prunesOperatorSearch {
      groups[0] = bounded(
        groups[0], search: search, known: known, memo: &memo, notes: &result.notes)
      second = bounded(
        second, search: search, known: known + result.entries, memo: &memo, notes: &result.notes)
      var lean: [PipelineFamily: CostVector] = [:]
      for family in second {
        lean[family] = search.leanestCorner(on: family.withoutSplit, memo: &memo)
      }
      second = second.sorted { a, b in
        let (x, y) = (lean[a] ?? .unbounded, lean[b] ?? .unbounded)
        if (x.memory, x.time) != (y.memory, y.time) {
          return (x.memory, x.time) < (y.memory, y.time)
        }
        return PipelineFamily.precedes(a, b)
      }
    }
    groups += second.map { [$0] }
    if prunesOperatorSearch {
      // The uniform and single-stage points bound every stage search, whether or
      // not a family of the first group is searched.
      search.incumbents += known.filter(\.fits).map {
        CostVector(time: $0.timeS, memory: $0.memoryBytes)
      }
    }
    for (index, group) in groups.enumerated() {
      var families = group
      if prunesOperatorSearch, index > 0 {
        // Bounded again by everything found so far.
        families = bounded(
          families, search: search, known: known + result.entries, memo: &memo,
          notes: &result.notes)
      }
      guard !families.isEmpty else { continue }
      result.notes[Self.searchedNote, default: 0] += Set(families.map(\.withoutSplit)).count
      let staged = await search.splitFrontiers(of: families)
      let entries = Array(staged.entries.joined())
      result.entries += entries
      result.searches += staged.searches
      result.notes.merge(staged.notes, uniquingKeysWith: StagedOperatorSearch.saturatingSum)
      if prunesOperatorSearch {
        search.incumbents += entries.filter(\.fits).map {
          CostVector(time: $0.timeS, memory: $0.memoryBytes)
        }
      }
    }
    return result
  }

  /// `families` (in order) without those of a shape the family bound shows
  /// `known` beats, or that cannot be built; the shapes it skips counted in `notes`.
  func bounded(
    _ families: [PipelineFamily], search: StagedOperatorSearch, known: [PlanEntry],
    memo: inout StagedOperatorSearch.FloorMemo, notes: inout [String: Int]
  ) -> [PipelineFamily] {
    let staircase = Staircase(known.map { ($0.timeS, $0.memoryBytes) })
    var shapes: [PipelineFamily] = []
    for family in families where !shapes.contains(family.withoutSplit) {
      shapes.append(family.withoutSplit)
    }
    var verdicts: [PipelineFamily: StagedOperatorSearch.FamilyVerdict] = [:]
    for shape in shapes {
      let verdict = search.verdict(on: shape, staircase: staircase, memo: &memo)
      verdicts[shape] = verdict
      if verdict == .skip { notes[Self.familyBoundNote, default: 0] += 1 }
    }
    return families.filter { verdicts[$0.withoutSplit] == .search }
  }

  /// The `--verbose` note counting the families searched inside their stages
  /// (kept with the pruning notes in ``PlanStatistics/pruned``, the one entry
  /// there that counts work done rather than work left out).
  public static let searchedNote = "FT inside pipeline stages: pipelined families searched"

  /// The `--verbose` note for families the family bound rules out.
  static let familyBoundNote =
    "FT inside pipeline stages: pipelined families not searched (a lower bound on every "
    + "pipeline of every split is beaten by a point found)"
}
