@testable import TensorOptCost
@testable import TensorOptImport
@testable import TensorOptPlan

/// Plans of the tied 2-layer GPT (`Tests/Fixtures/tiny-tied-gpt.json`) on
/// 4 × h100 with FT inside pipeline stages (`--search ft`, 8 candidates kept),
/// shared by the suites that compare them (`FamilyBoundTests`,
/// `FitPruningTests`): each configuration is planned once per test process,
/// the first test to ask starting it and the others awaiting the same task.
/// The planner is deterministic, so sharing a result changes no assertion.
enum TiedModelPlans {
  /// The memory limit the plans under a limit use: 0.001 GiB.
  static let limit = 0.001 * 1_073_741_824

  /// What a plan is computed from.
  struct Configuration: Hashable, Sendable {
    var memoryLimit: Double?
    var bounded: Bool
    var dropping: Bool
    var threads: Int
    var operatorSearch: OperatorSearchPolicy
  }

  /// The plans started so far, by configuration.
  actor Cache {
    var tasks: [Configuration: Task<PlanResult, any Error>] = [:]

    /// The task planning `configuration`, started on first use.
    func task(_ configuration: Configuration) -> Task<PlanResult, any Error> {
      if let task = tasks[configuration] { return task }
      let task = Task { try await TiedModelPlans.compute(configuration) }
      tasks[configuration] = task
      return task
    }
  }

  static let cache = Cache()

  /// The plan under `memoryLimit` (`nil` for the device's capacity) with the
  /// family bound (`Planner.prunesOperatorSearch`) and the memory-floor drop
  /// (`Planner.dropsUnfitFamilies`) on or off, on `threads` worker tasks.
  static func plan(
    memoryLimit: Double? = nil, bounded: Bool = true, dropping: Bool = true, threads: Int = 2,
    operatorSearch: OperatorSearchPolicy = .always
  ) async throws -> PlanResult {
    let configuration = Configuration(
      memoryLimit: memoryLimit, bounded: bounded, dropping: dropping, threads: threads,
      operatorSearch: operatorSearch)
    return try await cache.task(configuration).value
  }

  /// Runs the planner for `configuration`.
  static func compute(_ configuration: Configuration) async throws -> PlanResult {
    let source = FTInsidePipelineStagesTests.tiedModel
    let request = PlanRequest(
      model: try ModelLoader.load(source), modelSource: source,
      cluster: ClusterPreset.h100.cluster(devices: 4), memoryLimitBytes: configuration.memoryLimit,
      threads: configuration.threads, candidateLimit: 8, search: .ft,
      operatorSearch: configuration.operatorSearch)
    var planner = Planner(request)
    planner.prunesOperatorSearch = configuration.bounded
    planner.dropsUnfitFamilies = configuration.dropping
    return try await planner.result(devices: 4)
  }
}
