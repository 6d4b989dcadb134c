import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan
@testable import TensorOptSearch

/// FT inside the stages of every pipelined family, each searched or skipped by
/// the family bound (`StagedOperatorSearch.verdict`): the bound is below every
/// pipeline, and skipping leaves the plan unchanged.
@Suite("The family bound of FT inside pipeline stages")
struct FamilyBoundTests {
  typealias Base = FTInsidePipelineStagesTests

  /// The pipelined families (without their splits) of the outer space of
  /// `request` on `devices` devices: every combination `PipelineFamily` accepts.
  static func familiesOfTheSpace(_ request: PlanRequest, devices: Int) throws -> [PipelineFamily] {
    let graph = try request.model.graph(batchSize: 1, sequenceLength: request.seq)
    let space = OuterSpace(
      request: request, devices: devices, layers: graph.layerCount,
      parameters: Double(graph.totalMetrics(floatBytes: request.dtype.activationBytes).parameters))
    var families: Set<PipelineFamily> = []
    for s in space.groups.flatMap(\.strategies) {
      let m = request.batch / (s.dataParallel * s.microBatchSize)
      if let family = PipelineFamily(s, microBatches: m, layers: graph.layerCount) {
        families.insert(family)
      }
    }
    return families.sorted(by: PipelineFamily.precedes)
  }

  /// Checks that every pipeline the unpruned all-splits search finds for each
  /// of `families` is weakly dominated by a point of its family's floor on its
  /// mesh (both kinds), lowered by the margin; and that no family is skipped by
  /// a staircase of its own Pareto points. Returns the pipelines checked.
  static func checkFloors(_ search: StagedOperatorSearch, families: [PipelineFamily]) async throws
    -> Int
  {
    let result = await search.splitFrontiers(of: families, pruning: false)
    let scale = 1 - StagedOperatorSearch.floorMargin
    var memo = StagedOperatorSearch.FloorMemo()
    var checked = 0
    for (family, entries) in zip(result.families, result.entries) {
      let layout = try #require(search.stageRanges(of: family))
      for entry in entries {
        let mesh = try #require(
          DeviceMesh.shapes(deviceCount: search.devices / family.stages).first {
            $0.shape == entry.strategy.stageMesh
          })
        for searchingBody in [false, true] {
          let floor = search.familyFloor(
            layout, mesh: mesh, searchingBody: searchingBody, memo: &memo)
          #expect(
            floor.contains {
              $0.time * scale <= entry.timeS && $0.memory * scale <= entry.memoryBytes
            }, "\(entry.strategy.summary) \(searchingBody)")
        }
        checked += 1
      }
      // Its own Pareto points do not strictly dominate every pipeline.
      let own = Staircase(entries.map { ($0.timeS, $0.memoryBytes) })
      if !entries.isEmpty {
        #expect(
          search.verdict(on: family, staircase: own, memo: &memo) == .search,
          "\(family)")
      }
    }
    return checked
  }

  @Test("the floor is below every pipeline of every family of a tied model's space (brute force)")
  func floorIsBelowEveryPipelineOfTheSpace() async throws {
    let model = try ModelLoader.load(Base.tiedModel)
    let request = PlanRequest(
      model: model, modelSource: Base.tiedModel, cluster: ClusterPreset.h100.cluster(devices: 4),
      threads: 2)
    let families = try Self.familiesOfTheSpace(request, devices: 4)
    #expect(families.count >= 32)
    let search = StagedOperatorSearch(request: request, cluster: request.cluster, devices: 4)
    let checked = try await Self.checkFloors(search, families: families)
    #expect(checked >= families.count)
  }

  @Test("the floor is below every pipeline of gpt-mini's families over every split (brute force)")
  func floorIsBelowEveryPipelineOverSplits() async throws {
    let search = try StageSplitSearchTests.search()
    // pp2 over 3 splits on [4] and [2, 2]; pp4 (one device per stage) over one.
    let deep = try #require(
      PipelineFamily(
        ParallelStrategy(
          dataParallel: 1, tensorParallel: 1, pipelineStages: 4, microBatchSize: 1,
          recomputation: .selective),
        microBatches: 8, layers: 4))
    let checked = try await Self.checkFloors(search, families: Base.families + [deep])
    #expect(checked >= Base.families.count + 1)
  }

  @Test("the floor weakly dominates a uniform pipeline's cost, and is not far below it")
  func floorIsTightOnGptMini() async throws {
    let search = try StageSplitSearchTests.search()
    let family = Base.family(microBatches: 4, zero: 1)
    let result = await search.splitFrontiers(of: [family], pruning: false)
    let fastest = try #require(result.entries[0].first)
    let layout = try #require(search.stageRanges(of: family))
    let mesh = DeviceMesh(fastest.strategy.stageMesh)
    var memo = StagedOperatorSearch.FloorMemo()
    let floor = search.familyFloor(layout, mesh: mesh, searchingBody: true, memo: &memo)
    // The body searched and the transfer counted: within 10 % of the fastest pipeline.
    let quickest = try #require(floor.map(\.time).min())
    #expect(quickest * (1 - StagedOperatorSearch.floorMargin) <= fastest.timeS)
    #expect(quickest >= 0.9 * fastest.timeS)
  }

  @Test(
    "skipping families by the bound leaves the frontier unchanged; a family off the uniform frontier adds points"
  )
  func boundedPlanEqualsEveryFamilySearched() async throws {
    let bounded = try await TiedModelPlans.plan()
    let every = try await TiedModelPlans.plan(bounded: false)
    #expect(bounded.frontier == every.frontier)
    #expect(bounded.infeasible == every.infeasible)
    Self.expectSkippedAndSearched(bounded: bounded, every: every)
    // The families the search used to be limited to: those of the pipelined
    // points on the uniform frontier (the plan without the operator-level search).
    let uniform = try await TiedModelPlans.plan(operatorSearch: .never)
    func family(_ s: PlanStrategy) -> [String] {
      ["\(s.pp)", "\(s.microBatches)", s.schedule.rawValue, s.recompute.rawValue, "\(s.zero)"]
    }
    let onUniformFrontier = Set(uniform.frontier.map(\.strategy).filter { $0.pp > 1 }.map(family))
    let added = bounded.frontier.filter {
      $0.strategy.pp > 1 && !$0.strategy.uniformLayout
        && !onUniformFrontier.contains(family($0.strategy))
    }
    #expect(!added.isEmpty)
  }

  @Test("under a memory limit too, and the bounded plan is the same for 1 and 2 threads")
  func boundedPlanEqualsEveryFamilySearchedUnderALimit() async throws {
    let limit = TiedModelPlans.limit
    let bounded = try await TiedModelPlans.plan(memoryLimit: limit, threads: 1)
    let every = try await TiedModelPlans.plan(memoryLimit: limit, bounded: false)
    #expect(!bounded.infeasible.isEmpty)
    #expect(bounded.frontier == every.frontier)
    #expect(bounded.infeasible == every.infeasible)
    Self.expectSkippedAndSearched(bounded: bounded, every: every)
    let twoThreads = try await TiedModelPlans.plan(memoryLimit: limit)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    #expect(try encoder.encode(bounded) == encoder.encode(twoThreads))
  }

  /// Some families were skipped by the bound and some searched; without it,
  /// none skipped and more searched.
  static func expectSkippedAndSearched(bounded: PlanResult, every: PlanResult) {
    #expect((bounded.statistics.pruned[Planner.familyBoundNote] ?? 0) > 0)
    #expect((bounded.statistics.pruned[Planner.searchedNote] ?? 0) > 0)
    #expect(every.statistics.pruned[Planner.familyBoundNote] == nil)
    #expect(
      (every.statistics.pruned[Planner.searchedNote] ?? 0)
        > (bounded.statistics.pruned[Planner.searchedNote] ?? 0))
  }
}
