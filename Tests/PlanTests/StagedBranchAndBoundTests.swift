import Testing

@testable import TensorOptCost
@testable import TensorOptPlan
@testable import TensorOptSearch

/// FT inside pipeline stages bounded by incumbents (branch and bound): merged
/// with the incumbents, the bounded result has the non-dominated set of the
/// unbounded one merged with them.
@Suite("FT inside pipeline stages under branch and bound")
struct StagedBranchAndBoundTests {
  typealias Base = FTInsidePipelineStagesTests

  /// The non-dominated (time, memory) pairs of `points`, each once, by time.
  static func front(_ points: [[Double]]) -> [[Double]] {
    let kept = points.filter { a in
      !points.contains { b in b[0] <= a[0] && b[1] <= a[1] && (b[0] < a[0] || b[1] < a[1]) }
    }
    return Array(Set(kept)).sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
  }

  @Test("bounded by incumbents, the families' points merged with them are the unbounded ones'")
  func boundedEqualsUnboundedUnderTheMerge() async throws {
    let unbounded = try StageSplitSearchTests.search()
    let all = await unbounded.splitFrontiers(of: Base.families).entries.joined()
      .map { [$0.timeS, $0.memoryBytes] }
    let pareto = Self.front(all)
    try #require(pareto.count >= 4)
    // Incumbents that beat part of the frontier: every other point 3 % faster,
    // and one point between the fastest and the leanest.
    var incumbents = pareto.enumerated().filter { $0.offset % 2 == 0 }.map {
      CostVector(time: $0.element[0] * 0.97, memory: $0.element[1])
    }
    let middle = pareto[pareto.count / 2]
    incumbents.append(CostVector(time: middle[0], memory: middle[1] * 0.9))
    var bounded = unbounded
    bounded.incumbents = incumbents
    let pruned = await bounded.splitFrontiers(of: Base.families).entries.joined()
      .map { [$0.timeS, $0.memoryBytes] }
    let seeds = incumbents.map { [$0.time, $0.memory] }
    #expect(Self.front(pruned + seeds) == Self.front(all + seeds))
    // A point the unbounded search did not return is one an incumbent strictly beats.
    let known = Set(all)
    for point in pruned where !known.contains(point) {
      #expect(seeds.contains { $0[0] <= point[0] && $0[1] <= point[1] && $0 != point })
    }
  }

  @Test("an incumbent that beats every pipeline leaves no point")
  func anIncumbentBeatingEverythingPrunesEverything() async throws {
    var search = try StageSplitSearchTests.search()
    let unbounded = await search.splitFrontiers(of: Base.families).entries.joined()
    try #require(!unbounded.isEmpty)
    search.incumbents = [CostVector(time: 1e-9, memory: 1)]
    let bounded = await search.splitFrontiers(of: Base.families)
    #expect(bounded.entries.allSatisfy { $0.isEmpty })
  }
}
