import TensorOptCost

/// How a `plan` run searched: the options that decide its result (never the
/// thread count, which does not change it).
public struct PlanSettings: Codable, Hashable, Sendable {
  /// The device counts searched, increasing.
  public var devices: [Int]
  /// `ft` (frontier tracking) or `exhaustive` (single-stage small cases).
  public var search: String
  /// Points within a factor `1 + epsilon` in both objectives may be merged (0 = exact).
  public var epsilon: Double
  /// The memory limit per device in bytes (`--memory-limit`), or `nil` for the device's capacity.
  public var memoryLimitBytes: Double?
  /// The largest operator mesh (`--max-tp`), or `nil`.
  public var maxTp: Int?
  /// The most pipeline stages (`--max-pp`), or `nil`.
  public var maxPp: Int?
  /// The number of frontier points shown (`--top`), or `nil` for all. The file holds all.
  public var top: Int?
  /// The pipeline schedules considered (`gpipe`, `1f1b`, `interleaved`).
  public var schedules: [String]
  /// The recomputation policies considered.
  public var recomputations: [Recomputation]
  /// The ZeRO stages considered.
  public var zeroStages: [Int]

  /// Creates settings.
  public init(
    devices: [Int], search: String = "ft", epsilon: Double = 0, memoryLimitBytes: Double? = nil,
    maxTp: Int? = nil, maxPp: Int? = nil, top: Int? = nil,
    schedules: [String] = ["gpipe", "1f1b", "interleaved"],
    recomputations: [Recomputation] = Recomputation.allCases, zeroStages: [Int] = [0, 1, 2, 3]
  ) {
    self.devices = devices.sorted()
    self.search = search
    self.epsilon = epsilon
    self.memoryLimitBytes = memoryLimitBytes
    self.maxTp = maxTp
    self.maxPp = maxPp
    self.top = top
    self.schedules = schedules
    self.recomputations = recomputations
    self.zeroStages = zeroStages
  }
}
