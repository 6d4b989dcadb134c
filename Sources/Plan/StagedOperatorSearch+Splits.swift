import TensorOptCost
import TensorOptGraph
import TensorOptSearch

extension StagedOperatorSearch {
  /// What one stage search depends on: the mesh, the stage's options (micro-batches,
  /// in-flight micro-batches, ZeRO, recomputation), its first device, the
  /// pipeline's slots, the partners of its tied operators, and its nodes (names,
  /// block repetitions) — not where its layers sit in the model. Stages of
  /// different splits (or families) with equal keys have the same problem and
  /// the same points.
  struct StageKey: Hashable, Sendable {
    var mesh: DeviceMesh
    var options: TrainingOptions
    var firstDevice: Int
    var slots: Double
    var tiedPartners: [String: Int]
    var nodes: [String]
  }

  /// The key of stage `stage` of `item` on `mesh`.
  func key(_ item: Prepared, stage: Int, mesh: DeviceMesh) -> StageKey {
    let model = costModel(item, stage: stage, mesh: mesh)
    return StageKey(
      mesh: mesh, options: model.base.options, firstDevice: model.base.firstDevice,
      slots: model.slots, tiedPartners: model.tiedPartners,
      nodes: item.stages[stage].graph.nodes.map { "\($0.name)×\($0.block?.repeatCount ?? 1)" })
  }

  /// The pipelines of several families over their splits.
  struct SplitFrontiers: Sendable {
    /// The families without their splits (``PipelineFamily/withoutSplit``), in
    /// order of first appearance among the families searched.
    var families: [PipelineFamily]
    /// Per family, the non-dominated pipelines over every split searched.
    var entries: [[PlanEntry]]
    /// Distinct (stage problem, mesh) searches.
    var searches: Int
    /// What was left unsearched or incomplete, with counts (for `--verbose`).
    var notes: [String: Int]
  }

  /// The frontier of each family of `families` taken without its split, over
  /// every split of the layers into its stages' contiguous non-empty ranges
  /// that ``StageGraph`` can cut (with `window`, only those whose cuts lie
  /// within `window` layers of one of the family's own splits in `families`;
  /// a family with more than ``splitLimit`` splits gets a window of one layer).
  ///
  /// Splits are visited in rounds by the distance of their cuts from the
  /// family's own splits (``PipelineFamily/cutDistance(_:_:)``): round 0 is
  /// those splits. Before a later round, a split whose every reachable corner
  /// (``SplitBound``) the family's pipelines found so far beat in both
  /// objectives is left out (`pruning`; exact: none of its pipelines could be
  /// on the family's frontier). Each round's distinct stage problems
  /// (``StageKey``, not searched before) run on `--threads` tasks gathered in
  /// order; each split's pipelines are combined exactly (``PipelineCombination``
  /// per wire layout) and the family's non-dominated set is taken over every
  /// split, in split order (of equal costs the earlier split's stays).
  func splitFrontiers(
    of families: [PipelineFamily], window: Int? = nil, pruning: Bool = true
  ) async -> SplitFrontiers {
    var shapes: [PipelineFamily] = []
    var seeds: [PipelineFamily: [[Int]]] = [:]
    for family in families {
      let shape = family.withoutSplit
      if seeds[shape] == nil { shapes.append(shape) }
      seeds[shape, default: []].append(family.stageLayers)
    }
    var notes: [String: Int] = [:]
    // Per shape, the splits searched (in split order) and their round.
    var items: [[Prepared]] = []
    var rounds: [[Int]] = []
    for shape in shapes {
      let listed = splits(of: shape, seeds: seeds[shape] ?? [], window: window, notes: &notes)
      items.append(listed.map(\.item))
      rounds.append(listed.map(\.round))
    }
    let prepared = items
    let search = self
    var problemOf: [StageKey: Int] = [:]
    var problems: [(shape: Int, item: Int, stage: Int, mesh: DeviceMesh)] = []
    var found: [(points: [StageCandidate], note: String?)] = []
    var bound = SplitBound()
    var combined = items.map { [[PlanEntry]?](repeating: nil, count: $0.count) }
    var best = [[PlanEntry]](repeating: [], count: shapes.count)
    for round in Set(rounds.joined()).sorted() {
      // The splits of this round that a bound does not rule out.
      var visits: [(shape: Int, item: Int)] = []
      for (shape, list) in items.enumerated() {
        let staircase = Staircase(best[shape].map { ($0.timeS, $0.memoryBytes) })
        for (position, item) in list.enumerated() where rounds[shape][position] == round {
          if pruning, round > 0, !best[shape].isEmpty,
            cannotWin(item, staircase: staircase, problemOf: problemOf, bound: bound, found: found)
          {
            notes[Self.boundNote, default: 0] += 1
            continue
          }
          visits.append((shape, position))
        }
      }
      // Their stage problems not searched before.
      let first = problems.count
      for (shape, position) in visits {
        let item = items[shape][position]
        for mesh in DeviceMesh.shapes(deviceCount: devices / item.family.stages) {
          for stage in item.stages.indices {
            let key = key(item, stage: stage, mesh: mesh)
            guard problemOf[key] == nil else { continue }
            problemOf[key] = problems.count
            problems.append((shape, position, stage, mesh))
            if let (stem, repetitions) = self.stem(item, stage: stage, mesh: mesh) {
              bound.searched[stem, default: []].append((repetitions, problems.count - 1))
              if bound.floors[stem] == nil {
                bound.floors[stem] = repetitionFloor(item, stage: stage, mesh: mesh)
              }
            }
          }
        }
      }
      let work = Array(problems[first...])
      found += await ParallelMap.map(count: work.count, threads: request.threads) { index in
        let problem = work[index]
        return search.candidates(
          of: prepared[problem.shape][problem.item], stage: problem.stage, mesh: problem.mesh)
      }
      // Combine each split on each mesh (in parallel, gathered in order).
      let (pairs, keys, results) = (visits, problemOf, found)
      let entries = await ParallelMap.map(count: pairs.count, threads: request.threads) { index in
        let item = prepared[pairs[index].shape][pairs[index].item]
        var entries: [PlanEntry] = []
        for mesh in DeviceMesh.shapes(deviceCount: search.devices / item.family.stages) {
          let candidates = item.stages.indices.map {
            keys[search.key(item, stage: $0, mesh: mesh)].map { results[$0].points } ?? []
          }
          entries += search.combine(item, mesh: mesh, candidates: candidates)
        }
        return ParetoSet.entries(entries)
      }
      for (index, pair) in pairs.enumerated() {
        combined[pair.shape][pair.item] = entries[index]
        best[pair.shape] = ParetoSet.entries(best[pair.shape] + entries[index])
      }
    }
    for note in found.compactMap(\.note) { notes[note, default: 0] += 1 }
    return SplitFrontiers(
      families: shapes,
      entries: combined.map { ParetoSet.entries($0.compactMap { $0 }.flatMap { $0 }) },
      searches: problems.count, notes: notes)
  }

  /// The splits of `shape` (a family without its split) to visit, in split
  /// order, cut into stages, each with its round: the distance of its cuts from
  /// the nearest of `seeds` (the family's own splits). With `window`, or when
  /// the family has more than ``splitLimit`` splits (then a window of one
  /// layer, or none — the seeds alone — when even that lists more than
  /// ``splitLimit``: up to `3^(stages − 1)` for a deep pipeline), only the splits within it; the others, and splits whose cuts are
  /// not inside a block, are counted in `notes`.
  func splits(
    of shape: PipelineFamily, seeds: [[Int]], window: Int?, notes: inout [String: Int]
  ) -> [(item: Prepared, round: Int)] {
    guard let graph = graph(for: shape) else { return [] }
    let (layers, stages) = (graph.layerCount, shape.stages)
    let own = seeds.filter { $0.reduce(0, +) == layers }
    let total = PipelineFamily.splitCount(layers: layers, stages: stages)
    var limit = total > Self.splitLimit ? min(window ?? 1, 1) : window
    // Near a seed, a deep pipeline still has up to 3^(stages − 1) splits: then
    // only the seeds themselves.
    if let near = limit, near > 0 {
      let count = own.reduce(0) { sum, seed in
        let (added, overflow) = sum.addingReportingOverflow(
          PipelineFamily.splitCount(near: seed, window: near))
        return overflow ? Int.max : added
      }
      if count > Self.splitLimit { limit = 0 }
    }
    var splits: [[Int]]
    if let limit {
      splits = Array(Set(own.flatMap { PipelineFamily.splits(near: $0, window: limit) }))
        .sorted { $0.lexicographicallyPrecedes($1) }
      if total > splits.count {
        let left = total == Int.max ? Int.max : total - splits.count
        let known = notes[Self.windowNote(limit), default: 0]
        notes[Self.windowNote(limit)] = left > Int.max - known ? Int.max : known + left
      }
    } else {
      splits = PipelineFamily.splits(layers: layers, stages: stages)
    }
    var result: [(item: Prepared, round: Int)] = []
    for split in splits {
      guard let item = prepare(shape.with(split: split), graph: graph) else {
        notes[Self.uncutNote, default: 0] += 1
        continue
      }
      result.append((item, own.map { PipelineFamily.cutDistance($0, split) }.min() ?? 0))
    }
    return result
  }

  /// Whether every pipeline of `item`, on every mesh, is beaten in both
  /// objectives by a point of `staircase`: per stage, the exact points when
  /// its problem was searched completely, else a ``SplitBound`` from a smaller
  /// searched one, else no bound (zero); the reachable corners of those.
  func cannotWin(
    _ item: Prepared, staircase: Staircase, problemOf: [StageKey: Int], bound: SplitBound,
    found: [(points: [StageCandidate], note: String?)]
  ) -> Bool {
    for mesh in DeviceMesh.shapes(deviceCount: devices / item.family.stages) {
      var stages: [[CostVector]] = []
      for stage in item.stages.indices {
        if let known = problemOf[key(item, stage: stage, mesh: mesh)] {
          guard found[known].note == nil else {
            stages.append([.zero])
            continue
          }
          // No point: the split yields no pipeline on this mesh.
          guard !found[known].points.isEmpty else { break }
          stages.append(
            found[known].points.map {
              CostVector(
                time: item.family.slots * $0.cost.work + $0.cost.tail, memory: $0.cost.memory)
            })
        } else if let (stem, repetitions) = self.stem(item, stage: stage, mesh: mesh),
          let points = bound.points(stem, repetitions: repetitions, found: found)
        {
          stages.append(points)
        } else {
          stages.append([.zero])
        }
      }
      guard stages.count == item.stages.count else { continue }
      let corners = SplitBound.corners(stages)
      if corners.contains(where: { !staircase.dominates(time: $0.time, memory: $0.memory) }) {
        return false
      }
    }
    return true
  }

  /// The most splits of one family listed in full; beyond, only those within
  /// one layer of the family's own splits are searched.
  static let splitLimit = 1000

  /// The `--verbose` note for splits outside the window.
  static func windowNote(_ window: Int) -> String {
    "FT inside pipeline stages: splits with a cut more than \(window) layers from the uniform "
      + "frontier's split not searched"
  }

  /// The `--verbose` note for splits a bound rules out.
  static let boundNote =
    "FT inside pipeline stages: splits not searched (a lower bound on each of their pipelines, "
    + "from smaller stages searched, is beaten by the family's points)"

  /// The `--verbose` note for splits whose cuts cannot be searched stage by stage.
  static let uncutNote =
    "FT inside pipeline stages: splits whose cuts are not inside a block not searched"
}
