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

  @Test("merged with the incumbents, the pruned entries give the unpruned non-dominated set")
  func prunedEntriesMergeAlike() throws {
    let search = try search(memoryLimit: nil)
    var dropped = 0
    for (zero, recomputation) in [(0, Recomputation.none), (3, .selective), (1, .none)] {
      let unpruned = try search.entries(recomputation: recomputation, zeroStage: zero)
      let allFit = unpruned.allSatisfy { $0.fits }
      #expect(allFit)
      // Incumbents just better than every second entry.
      let incumbents = unpruned.enumerated().filter { $0.offset.isMultiple(of: 2) }.map {
        CostVector(time: $0.element.timeS * 0.99, memory: $0.element.memoryBytes * 0.99)
      }
      let pruned = try search.entries(
        recomputation: recomputation, zeroStage: zero, incumbents: incumbents)
      dropped += unpruned.count - pruned.count
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
    }
    #expect(dropped > 0)
  }

  @Test("a search that might not fit the memory limit is not pruned")
  func tightLimitTurnsPruningOff() throws {
    let search = try search(memoryLimit: 1e6)
    let unpruned = try search.entries(recomputation: .none, zeroStage: 0)
    #expect(!unpruned.isEmpty)
    let incumbents = [CostVector(time: 0, memory: 0)]
    let pruned = try search.entries(recomputation: .none, zeroStage: 0, incumbents: incumbents)
    #expect(pruned == unpruned)
  }
}
