import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptImport
@testable import TensorOptPlan
@testable import TensorOptSearch

/// The reported infeasible set is the part of the whole Pareto set (fitting and
/// non-fitting points together) over the memory limit, which makes branch and
/// bound against the fitting frontier exact even where strategies do not fit.
@Suite("The infeasible set and branch and bound under a tight memory limit")
struct InfeasibleFrontierTests {
  static func request(memoryLimit: Double?) throws -> PlanRequest {
    let model = try ModelLoader.load(OperatorLevelEntryTests.tiedModel)
    return PlanRequest(
      model: model, modelSource: OperatorLevelEntryTests.tiedModel,
      cluster: ClusterPreset.h100.cluster(devices: 2), batch: nil, seq: nil, dtype: .bf16,
      memoryLimitBytes: memoryLimit, threads: 2, candidateLimit: 8, search: .ft,
      operatorSearch: .always)
  }

  /// Limits (bytes) that some operator-level strategies of most searches
  /// exceed: the unlimited plan's frontier spans about 1.2–2.5 MB on 2 devices.
  static let tightLimits = [1.4e6, 1.6e6]

  @Test("pruned by the fitting frontier, the plan's frontier and infeasible set equal the unpruned")
  func prunedPlanEqualsUnprunedUnderATightLimit() async throws {
    for limit in Self.tightLimits { try await comparePrunedWithUnpruned(limit: limit) }
  }

  func comparePrunedWithUnpruned(limit: Double) async throws {
    let request = try Self.request(memoryLimit: limit)
    let pruned = try await Planner(request).result(devices: 2)
    var unprunedPlanner = Planner(request)
    unprunedPlanner.prunesOperatorSearch = false
    let unpruned = try await unprunedPlanner.result(devices: 2)
    #expect(!pruned.frontier.isEmpty)
    #expect(!pruned.infeasible.isEmpty)
    #expect(pruned.frontier == unpruned.frontier)
    #expect(pruned.infeasible == unpruned.infeasible)
    // The pruning ran in searches whose strategies do not all fit, and dropped points.
    let search = OperatorLevelSearch(request: request, cluster: request.cluster, devices: 2)
    let incumbents = pruned.frontier.filter(\.strategy.uniformLayout).map {
      CostVector(time: $0.timeS, memory: $0.memoryBytes)
    }
    var dropped = 0
    var searchesNotAllFitting = 0
    for m in OperatorLevelSearch.microBatchCounts(batch: request.batch) {
      for recomputation in [Recomputation.none, .selective] {
        for zero in 0...3 {
          let all = try search.entries(
            recomputation: recomputation, zeroStage: zero, microBatches: m)
          guard all.contains(where: { !$0.fits }) else { continue }
          let bounded = try search.entries(
            recomputation: recomputation, zeroStage: zero, microBatches: m,
            incumbents: incumbents)
          searchesNotAllFitting += 1
          dropped += all.count - bounded.count
        }
      }
    }
    #expect(searchesNotAllFitting > 0)
    #expect(dropped > 0)
  }

  @Test("no reported infeasible point is dominated by a fitting point, costed or reported")
  func infeasiblePointsBeatEveryFittingPointWithLessMemory() async throws {
    let limit = Self.tightLimits[0]
    let request = try Self.request(memoryLimit: limit)
    let result = try await Planner(request).result(devices: 2)
    #expect(!result.infeasible.isEmpty)
    let fitting =
      result.frontier.map { ($0.timeS, $0.memoryBytes) }
      + result.candidates.filter(\.fits).map { ($0.timeS, $0.memoryBytes) }
    for point in result.infeasible {
      #expect(!point.fits)
      #expect(point.memoryBytes > limit)
      for (time, memory) in fitting {
        // Dominated: no faster and no larger. Infeasible points are strictly faster
        // than every fitting point (fitting points all have less memory).
        #expect(time > point.timeS, "\(point.strategy.summary) is beaten by a fitting point")
        #expect(memory < point.memoryBytes)
      }
    }
    // The infeasible points among themselves are non-dominated, by increasing time.
    for (a, b) in zip(result.infeasible, result.infeasible.dropFirst()) {
      #expect(a.timeS < b.timeS)
      #expect(a.memoryBytes > b.memoryBytes)
    }
  }

  @Test("every re-costed uniform point is reported: on the frontier, infeasible or a candidate")
  func overLimitPointsAFittingPointBeatsStayCandidates() async throws {
    let model = try ModelLoader.load(OperatorLevelEntryTests.tiedModel)
    // One pipeline stage (no uneven splits), no operator-level search, every point
    // re-costed (a candidate limit above the strategy count).
    let request = PlanRequest(
      model: model, modelSource: OperatorLevelEntryTests.tiedModel,
      cluster: ClusterPreset.h100.cluster(devices: 2), batch: nil, seq: nil, dtype: .bf16,
      memoryLimitBytes: Self.tightLimits[0], maxPipelineStages: 1, threads: 2,
      candidateLimit: 100_000, operatorSearch: .never)
    let result = try await Planner(request).result(devices: 2)
    let reported = result.frontier.count + result.infeasible.count + result.candidates.count
    #expect(reported == result.statistics.evaluated)
    // Some points over the limit are beaten by a fitting one: they are candidates.
    let fastestFitting = try #require(result.frontier.map(\.timeS).min())
    #expect(result.candidates.contains { !$0.fits && $0.timeS > fastestFitting })
  }
}
