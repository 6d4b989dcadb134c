import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan
@testable import TensorOptSearch

/// The operator-level search bounded by fitting incumbents (as the planner
/// passes the uniform frontier) against the same search unbounded.
@Suite("Operator-level search pruned by incumbents")
struct OperatorLevelBranchAndBoundTests {
  func search(memoryLimit: Double?) throws -> OperatorLevelSearch {
    let model = try ModelLoader.load(OperatorLevelEntryTests.tiedModel)
    let request = PlanRequest(
      model: model, modelSource: OperatorLevelEntryTests.tiedModel,
      cluster: ClusterPreset.h100.cluster(devices: 4), batch: nil, seq: nil, dtype: .bf16,
      memoryLimitBytes: memoryLimit, threads: 1, candidateLimit: 8)
    return OperatorLevelSearch(request: request, cluster: request.cluster, devices: 4)
  }

  @Test(
    "merged with the incumbents, the pruned entries give the unpruned non-dominated set",
    arguments: [nil, 1e6, 1e5])
  func prunedEntriesMergeAlike(memoryLimit: Double?) throws {
    let search = try search(memoryLimit: memoryLimit)
    var dropped = 0
    var overLimit = 0
    for (zero, recomputation) in [(0, Recomputation.none), (3, .selective), (1, .none)] {
      let unpruned = try search.entries(recomputation: recomputation, zeroStage: zero)
      overLimit += unpruned.filter { !$0.fits }.count
      // Incumbents just better than every second entry.
      let incumbents = unpruned.enumerated().filter { $0.offset.isMultiple(of: 2) }.map {
        CostVector(time: $0.element.timeS * 0.99, memory: $0.element.memoryBytes * 0.99)
      }
      let pruned = try search.entries(
        recomputation: recomputation, zeroStage: zero, incumbents: incumbents)
      dropped += unpruned.count - pruned.count
      // One non-dominated set over the incumbents and every entry, fitting or not.
      func front(_ entries: [PlanEntry]) -> [CostVector] {
        let all = incumbents + entries.map { CostVector(time: $0.timeS, memory: $0.memoryBytes) }
        return ParetoSet.indices(Array(all.indices)) { (all[$0].time, all[$0].memory) }.map {
          all[$0]
        }
      }
      #expect(front(pruned) == front(unpruned), "ZeRO \(zero), \(recomputation)")
      let bound = IncumbentBound(incumbents)
      for entry in unpruned
      where !bound.dominates(CostVector(time: entry.timeS, memory: entry.memoryBytes)) {
        #expect(pruned.contains(entry), "ZeRO \(zero): entry at \(entry.timeS) s lost")
      }
      // What the pruning lets through that the unpruned search lacked, an
      // incumbent strictly dominates.
      for entry in pruned where !unpruned.contains(entry) {
        #expect(bound.dominates(CostVector(time: entry.timeS, memory: entry.memoryBytes)))
      }
    }
    #expect(dropped > 0)
    // Without a limit everything fits; entries take about 0.6–1.4 MB, so 1 MB
    // splits them and 0.1 MB is below every one.
    if memoryLimit != nil { #expect(overLimit > 0) }
  }
}
