import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptImport
@testable import TensorOptPlan

@Suite("The planner")
struct PlannerTests {
  static func request(
    model name: String = "gpt-mini", devices: Int = 8, gpu: ClusterPreset = .h100,
    batch: Int? = nil,
    seq: Int? = nil, memoryLimit: Double? = nil, threads: Int = 2
  ) throws -> PlanRequest {
    let model = try ModelLoader.load(name)
    return PlanRequest(
      model: model, modelSource: name, cluster: gpu.cluster(devices: devices), batch: batch,
      seq: seq, dtype: .bf16, memoryLimitBytes: memoryLimit, threads: threads, candidateLimit: 8)
  }

  @Test func frontierIsSortedNonDominatedAndUnderTheMemoryLimit() async throws {
    let limit = 0.04 * 1024 * 1024 * 1024
    let result = try await Planner(Self.request(memoryLimit: limit)).result(devices: 4)
    #expect(!result.frontier.isEmpty)
    for (a, b) in zip(result.frontier, result.frontier.dropFirst()) {
      #expect(a.timeS < b.timeS)
      #expect(a.memoryBytes > b.memoryBytes)
    }
    #expect(result.frontier.allSatisfy { $0.fits && $0.memoryBytes <= limit })
    #expect(result.infeasible.allSatisfy { !$0.fits && $0.memoryBytes > limit })
    for candidate in result.candidates where candidate.fits {
      #expect(
        result.frontier.contains {
          $0.timeS <= candidate.timeS && $0.memoryBytes <= candidate.memoryBytes
        })
    }
  }

  @Test func jsonIsByteIdenticalForAnyThreadCount() async throws {
    func plan(threads: Int) async throws -> Data {
      let planner = Planner(try Self.request(threads: threads))
      let result = try await planner.result(devices: 4)
      return try PlanFile(
        model: planner.plannedModel,
        cluster: PlannedCluster(cluster: planner.request.cluster, preset: "h100-80g"),
        settings: PlanSettings(devices: [4]), results: [result]
      ).encoded()
    }
    let one = try await plan(threads: 1)
    #expect(try await plan(threads: 2) == one)
    #expect(try await plan(threads: 3) == one)
  }

  @Test func everyFrontierPointCostsWhatEvaluateReports() async throws {
    let request = try Self.request()
    let result = try await Planner(request).result(devices: 4)
    let evaluator = StrategyEvaluator(cluster: request.cluster)
    for entry in result.frontier where entry.strategy.uniformLayout {
      let again = try evaluator.evaluate(
        model: request.model, globalBatchSize: request.batch, sequenceLength: request.seq,
        strategy: entry.strategy.parallelStrategy(
          dtype: request.dtype, optimizer: request.optimizer, padsVocabulary: true))
      #expect(again.timeS == entry.timeS)
      #expect(again.memoryBytes == entry.memoryBytes)
    }
  }

  @Test func unevenStageSplitsReplayThroughEvaluateAndAreDeterministic() async throws {
    // gpt-mini's 4 layers on 3 pipeline stages: batch 4 does not split over 3 replicas.
    func plan(threads: Int) async throws -> (PlanRequest, PlanResult) {
      let request = try Self.request(devices: 3, batch: 4, seq: 32, threads: threads)
      return (request, try await Planner(request).result(devices: 3))
    }
    let (request, result) = try await plan(threads: 1)
    let uneven = result.frontier.filter { $0.strategy.unevenStageLayers != nil }
    #expect(!uneven.isEmpty)
    let evaluator = StrategyEvaluator(cluster: request.cluster)
    for entry in uneven {
      #expect(entry.strategy.summary.contains("pp3["))
      let strategy = entry.strategy.parallelStrategy(
        dtype: request.dtype, optimizer: request.optimizer, padsVocabulary: true)
      #expect(strategy.stageLayers?.reduce(0, +) == 4)
      let again = try evaluator.evaluate(
        model: request.model, globalBatchSize: request.batch, sequenceLength: request.seq,
        strategy: strategy)
      #expect(again.timeS == entry.timeS)
      #expect(again.memoryBytes == entry.memoryBytes)
    }
    let (_, twoThreads) = try await plan(threads: 2)
    #expect(twoThreads.frontier == result.frontier)
  }

  @Test func severalDeviceCountsGiveOneResultEach() async throws {
    let planner = Planner(try Self.request())
    let results = try await planner.results(deviceCounts: [4, 2])
    #expect(results.map(\.devices) == [2, 4])
    #expect(
      results.allSatisfy { result in
        result.frontier.allSatisfy {
          $0.strategy.dp * $0.strategy.tp * $0.strategy.pp == result.devices
        }
      })
  }

  @Test func limitsOnTensorAndPipelineDegreesHold() async throws {
    var request = try Self.request()
    request.maxTensorParallel = 2
    request.maxPipelineStages = 1
    let result = try await Planner(request).result(devices: 4)
    #expect(result.frontier.allSatisfy { $0.strategy.tp <= 2 && $0.strategy.pp == 1 })
    #expect(result.statistics.pruned["tp above --max-tp"] != nil)
  }
}
