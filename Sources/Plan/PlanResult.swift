/// The frontier for one device count.
public struct PlanResult: Codable, Hashable, Sendable {
  /// Devices used by every strategy of this result.
  public var devices: Int
  /// The Pareto set of (time, memory per device) among strategies that fit,
  /// by increasing time (and so decreasing memory).
  public var frontier: [PlanEntry]
  /// What more memory would buy (reported apart, `--show-infeasible`): the
  /// strategies over the memory limit in the Pareto set of every costed
  /// strategy, fitting or not — each faster than every fitting strategy.
  public var infeasible: [PlanEntry]
  /// Further costed strategies that are not on the frontier, as light points
  /// (for plots); may be empty.
  public var candidates: [PlanCandidate]
  /// What the search did.
  public var statistics: PlanStatistics

  /// Creates a result; entries are sorted by (time, memory).
  public init(
    devices: Int, frontier: [PlanEntry], infeasible: [PlanEntry] = [],
    candidates: [PlanCandidate] = [], statistics: PlanStatistics = PlanStatistics()
  ) {
    self.devices = devices
    self.frontier = frontier.sorted { ($0.timeS, $0.memoryBytes) < ($1.timeS, $1.memoryBytes) }
    self.infeasible = infeasible.sorted { ($0.timeS, $0.memoryBytes) < ($1.timeS, $1.memoryBytes) }
    self.candidates = candidates.sorted {
      ($0.timeS, $0.memoryBytes, $0.summary) < ($1.timeS, $1.memoryBytes, $1.summary)
    }
    self.statistics = statistics
  }
}

/// A costed strategy that is not on the frontier: its cost and one-line summary.
public struct PlanCandidate: Codable, Hashable, Sendable {
  /// Seconds per iteration.
  public var timeS: Double
  /// Peak bytes per device.
  public var memoryBytes: Double
  /// Whether it fits under the memory limit.
  public var fits: Bool
  /// The one-line strategy, as ``PlanStrategy/summary``.
  public var summary: String

  /// Creates a candidate.
  public init(timeS: Double, memoryBytes: Double, fits: Bool, summary: String) {
    self.timeS = timeS
    self.memoryBytes = memoryBytes
    self.fits = fits
    self.summary = summary
  }
}

/// Counts of what the search considered, costed and pruned.
public struct PlanStatistics: Codable, Hashable, Sendable {
  /// Outer combinations (mesh factorisation, micro-batching, schedule, recomputation,
  /// sequence parallelism, ZeRO) enumerated.
  public var combinations: Int
  /// Combinations costed in full.
  public var evaluated: Int
  /// Combinations skipped, by reason (e.g. `"memory lower bound"`).
  public var pruned: [String: Int]
  /// Operator-level (FT) stage searches run (cache misses).
  public var stageSearches: Int

  /// Creates statistics.
  public init(
    combinations: Int = 0, evaluated: Int = 0, pruned: [String: Int] = [:], stageSearches: Int = 0
  ) {
    self.combinations = combinations
    self.evaluated = evaluated
    self.pruned = pruned
    self.stageSearches = stageSearches
  }
}
