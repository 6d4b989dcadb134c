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
  /// that ``StageGraph`` can cut, by the dynamic programme over (stages used,
  /// layers placed) of ``SplitProgramme`` on each stage mesh.
  ///
  /// Stage ranges are visited in rounds by their distance from the family's
  /// own splits (the larger distance of their two ends from those of the same
  /// stage in a split of `families`): round 0 is those splits' ranges. Before
  /// a later round, a range on a mesh is left out (`pruning`; exact) when every
  /// corner a pipeline through it can reach at best (``FloorFrontier/SplitCorners``
  /// from each range's ``rangeFloors(_:mesh:problemOf:bound:found:)``)
  /// is beaten in both objectives by the family's pipelines found so far: no
  /// pipeline using it could be on the family's frontier. Each round's
  /// distinct stage problems (``StageKey``, not searched before) run on
  /// `--threads` tasks gathered in order; then each family's pipelines over
  /// every range searched so far are combined exactly, and its non-dominated
  /// set taken over all rounds (of equal costs the earlier found stays).
  func splitFrontiers(of families: [PipelineFamily], pruning: Bool = true) async
    -> SplitFrontiers
  {
    var shapes: [PipelineFamily] = []
    var seeds: [PipelineFamily: [[Int]]] = [:]
    for family in families {
      let shape = family.withoutSplit
      if seeds[shape] == nil { shapes.append(shape) }
      seeds[shape, default: []].append(family.stageLayers)
    }
    var notes: [String: Int] = [:]
    var layouts: [StageRanges?] = []
    // Per shape, stage and range: its round.
    var rounds: [[[Int]]] = []
    for shape in shapes {
      let ranges = stageRanges(of: shape)
      if let ranges {
        // Exact below saturation; past it, none when every cut is open.
        let left =
          ranges.splitCount < Int.max
          ? ranges.splitCount - ranges.searchableSplits
          : ranges.cutTensors.dropFirst().allSatisfy { $0 != nil } ? 0 : Int.max
        if left > 0 { notes[Self.uncutNote] = Self.saturatingSum(notes[Self.uncutNote] ?? 0, left) }
      } else if graph(for: shape) != nil {
        notes[Self.unsplittableNote, default: 0] += 1
      }
      layouts.append(ranges)
      rounds.append(ranges.map { Self.rounds($0, seeds: seeds[shape] ?? []) } ?? [])
    }
    let search = self
    let shapeMeshes = shapes.map { DeviceMesh.shapes(deviceCount: devices / $0.stages) }
    var problemOf: [StageKey: Int] = [:]
    var problems: [(shape: Int, stage: Int, range: Int, mesh: DeviceMesh)] = []
    var found: [(points: [StageCandidate], note: String?)] = []
    var bound = SplitBound()
    var best = [[PlanEntry]](repeating: [], count: shapes.count)
    for round in Set(rounds.joined().joined()).sorted() {
      // The ranges of this round a bound does not rule out, per mesh.
      var visits: [(shape: Int, stage: Int, range: Int, mesh: DeviceMesh)] = []
      for (shape, layout) in layouts.enumerated() {
        guard let layout else { continue }
        let testing = pruning && round > 0 && !best[shape].isEmpty
        let staircase = Staircase(best[shape].map { ($0.timeS, $0.memoryBytes) })
        for mesh in shapeMeshes[shape] {
          let floors =
            testing
            ? rangeFloors(layout, mesh: mesh, problemOf: problemOf, bound: bound, found: found)
            : []
          let corners =
            testing
            ? FloorFrontier.splitCorners(
              ranges: layout.ranges.map { $0.map { ($0.start, $0.end) } }, floors: floors,
              layers: layout.layers, suffixes: true) : nil
          for stage in 0..<layout.stages {
            for (index, range) in layout.ranges[stage].enumerated()
            where rounds[shape][stage][index] == round {
              if let corners {
                let through = corners.through(
                  stage: stage, start: range.start, end: range.end, floor: floors[stage][index])
                if through.allSatisfy({ staircase.dominates(time: $0.time, memory: $0.memory) }) {
                  notes[Self.boundNote, default: 0] += 1
                  continue
                }
              }
              visits.append((shape, stage, index, mesh))
            }
          }
        }
      }
      // Their stage problems not searched before.
      let first = problems.count
      for visit in visits {
        guard let layout = layouts[visit.shape] else { continue }
        let item = layout.items[visit.stage][visit.range]
        let key = key(item, stage: visit.stage, mesh: visit.mesh)
        guard problemOf[key] == nil else { continue }
        problemOf[key] = problems.count
        problems.append(visit)
        if let (stem, repetitions) = self.stem(item, stage: visit.stage, mesh: visit.mesh) {
          bound.searched[stem, default: []].append((repetitions, problems.count - 1))
          if bound.floors[stem] == nil {
            bound.floors[stem] = repetitionFloor(item, stage: visit.stage, mesh: visit.mesh)
          }
        }
      }
      let work = Array(problems[first...])
      let (ranged, done) = (layouts, found.count)
      found += await ParallelMap.map(count: work.count, threads: request.threads) { index in
        let problem = work[index]
        guard let layout = ranged[problem.shape] else {
          return (points: [StageCandidate](), note: String?.none)
        }
        return search.candidates(
          of: layout.items[problem.stage][problem.range], stage: problem.stage,
          mesh: problem.mesh)
      }
      assert(found.count == done + work.count)
      // Combine each family on each mesh that gained ranges over the ranges
      // searched so far.
      let pairs = shapes.indices.flatMap { shape in
        layouts[shape] == nil
          ? []
          : shapeMeshes[shape].filter { mesh in
            visits.contains { $0.shape == shape && $0.mesh == mesh }
          }.map { (shape, $0) }
      }
      let (keys, results, incumbents) = (problemOf, found, best)
      let entries = await ParallelMap.map(count: pairs.count, threads: request.threads) { index in
        let (shape, mesh) = pairs[index]
        guard let layout = ranged[shape] else { return [PlanEntry]() }
        return search.pipelines(
          layout, mesh: mesh,
          candidates: { stage, range in
            keys[search.key(layout.items[stage][range], stage: stage, mesh: mesh)].map {
              results[$0].points
            } ?? []
          },
          staircase: pruning && !incumbents[shape].isEmpty
            ? Staircase(incumbents[shape].map { ($0.timeS, $0.memoryBytes) }) : nil)
      }
      for (index, pair) in pairs.enumerated() {
        best[pair.0] = ParetoSet.entries(best[pair.0] + entries[index])
      }
    }
    for note in found.compactMap(\.note) { notes[note, default: 0] += 1 }
    return SplitFrontiers(
      families: shapes, entries: best, searches: problems.count, notes: notes)
  }

  /// Per stage and range of `layout`, its round: the larger distance, in
  /// layers, of its two ends from those of the same stage in the nearest of
  /// `seeds` (the family's own splits; every range is in round 0 without one).
  static func rounds(_ layout: StageRanges, seeds: [[Int]]) -> [[Int]] {
    let own = seeds.filter { $0.count == layout.stages && $0.reduce(0, +) == layout.layers }
    let cuts = own.map { seed in seed.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1) } }
    return layout.ranges.enumerated().map { stage, ranges in
      ranges.map { range in
        cuts.map { max(abs(range.start - $0[stage]), abs(range.end - $0[stage + 1])) }.min() ?? 0
      }
    }
  }

  /// The non-dominated pipelines of `layout`'s family on `mesh` over every
  /// split of the ranges with candidates (`candidates(stage, range)`, none
  /// for a range not searched), each split in every wire layout one of its
  /// stages' points leaves or reads an activation in (as ``combine(_:mesh:candidates:)``
  /// does for one split); with `staircase`, less those it beats (``SplitProgramme``).
  func pipelines(
    _ layout: StageRanges, mesh: DeviceMesh, candidates: (Int, Int) -> [StageCandidate],
    staircase: Staircase?
  ) -> [PlanEntry] {
    let p = layout.stages
    let lists = (0..<p).map { stage in layout.ranges[stage].indices.map { candidates(stage, $0) } }
    guard lists.allSatisfy({ $0.contains { !$0.isEmpty } }) else { return [] }
    let models = (0..<p).map { stage in
      layout.ranges[stage].indices.map {
        costModel(layout.items[stage][$0], stage: stage, mesh: mesh)
      }
    }
    guard let first = models.first?.first?.base else { return [] }
    let slots = layout.shape.slots
    var entries: [PlanEntry] = []
    for wire in Self.wireLayouts(Array(lists.joined())) {
      var kept: [[[Int]]] = []
      var stages: [SplitProgramme.Stage] = []
      for stage in 0..<p {
        var stageKept: [[Int]] = []
        var costs: [[StageCost]] = []
        for (index, list) in lists[stage].enumerated() {
          let item = layout.items[stage][index]
          let all = list.map {
            wired($0, stage: stage, item: item, model: models[stage][index].base, wire: wire)
          }
          let undominated = PipelineCombination.undominated(all)
          stageKept.append(undominated)
          costs.append(undominated.map { all[$0] })
        }
        kept.append(stageKept)
        // A split is combined in the layouts its own stages' points use.
        let marks = lists[stage].map { list in
          list.contains { $0.inputLayout == wire || $0.outputLayout == wire }
        }
        stages.append(
          SplitProgramme.Stage(
            ranges: layout.ranges[stage].map { ($0.start, $0.end) }, costs: costs, marks: marks))
      }
      let crossing = layout.cutTensors.map { $0.map { layout.graph.tensors[$0] } }
      let found = SplitProgramme.frontier(
        stages, layers: layout.layers, slots: slots,
        transfer: { stage, cut in
          crossing[cut].map { cutTransfer($0, after: stage, wire: wire, first: first) } ?? 0
        }, staircase: staircase)
      for pipeline in found {
        let split = pipeline.picks.enumerated().map { stage, pick in
          layout.ranges[stage][pick.range].end - layout.ranges[stage][pick.range].start
        }
        guard let item = prepare(layout.shape.with(split: split), graph: layout.graph) else {
          continue
        }
        let picked = pipeline.picks.enumerated().map { stage, pick in
          lists[stage][pick.range][kept[stage][pick.range][pick.candidate]]
        }
        let costs = pipeline.picks.enumerated().map { stage, pick in
          stages[stage].costs[pick.range][pick.candidate]
        }
        entries.append(
          entry(
            item, mesh: mesh, picked: picked, costs: costs, transfer: pipeline.transfer,
            time: pipeline.time, memory: pipeline.memory))
      }
    }
    return ParetoSet.entries(entries)
  }

  /// `a + b`, or `Int.max` when that does not fit (counts of splits saturate).
  static func saturatingSum(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? Int.max : sum
  }

  /// The `--verbose` note for stage ranges a bound rules out.
  static let boundNote =
    "FT inside pipeline stages: stage ranges not searched on a stage mesh (a lower bound on "
    + "every pipeline through them, from smaller stages searched, is beaten by the family's "
    + "points)"

  /// The `--verbose` note for splits whose cuts cannot be searched stage by stage.
  static let uncutNote =
    "FT inside pipeline stages: splits whose cuts are not inside a block not searched"

  /// The `--verbose` note for families none of whose splits can be searched
  /// stage by stage (or with a tied operator between layers).
  static let unsplittableNote =
    "FT inside pipeline stages: families not searched (no split can be cut stage by stage, "
    + "or a tied operator sits between layers)"
}
