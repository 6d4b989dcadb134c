import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptImport
@testable import TensorOptPlan

/// The synchronous planner (`Planner.frontier`, what `Planning.plan` and the CLI call)
/// blocks its thread; its work must still run when every cooperative thread is blocked.
@Suite("The blocking planner")
struct BlockingPlannerTests {
  // The limit catches a hang (1.5 s alone), not slowness: under the parallel
  // suite on a loaded 2-core machine the calls once took over a minute.
  @Test(
    "more concurrent blocking calls than cores all finish with the same frontier",
    .timeLimit(.minutes(10)))
  func concurrentBlockingCallsFinish() async throws {
    let model = try ModelLoader.load("mlp")
    let request = PlanRequest(
      model: model, modelSource: "mlp", cluster: ClusterPreset.h100.cluster(devices: 2),
      batch: nil, seq: nil, dtype: .bf16, memoryLimitBytes: nil, threads: 2, candidateLimit: 4,
      operatorSearch: .never)
    let calls = 2 * ProcessInfo.processInfo.activeProcessorCount + 2
    let times = try await withThrowingTaskGroup(of: [Double].self) { group in
      for _ in 0..<calls {
        group.addTask { try Planner(request).frontier(devices: 2).frontier.map(\.timeS) }
      }
      var all: [[Double]] = []
      for try await frontier in group { all.append(frontier) }
      return all
    }
    #expect(times.count == calls)
    #expect(!(times.first ?? []).isEmpty)
    #expect(Set(times).count == 1)
  }
}
