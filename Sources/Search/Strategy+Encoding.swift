import TensorOptGraph

extension Strategy: Encodable {
  private enum CodingKeys: String, CodingKey {
    case mesh, summary, operators, tensors, blocks
  }

  /// Encodes the mesh shape, a summary, each operator's configuration (as
  /// `"batch,out"`, `rep` for a replicated axis), each boundary tensor's layout
  /// (`"S0,R"`: split along tensor axis 0, replicated) and, per block, run-length
  /// lists of configurations over the repetitions.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(mesh.shape, forKey: .mesh)
    try container.encode(summary, forKey: .summary)
    try container.encode(operators.mapValues(\.description), forKey: .operators)
    try container.encode(tensors.mapValues(\.description), forKey: .tensors)
    try container.encode(blocks, forKey: .blocks)
  }
}

extension BlockStrategy: Encodable {
  private enum CodingKeys: String, CodingKey {
    case repeatCount = "repeat"
    case operators, boundaries
  }

  /// One run of equal values over consecutive repetitions.
  struct Run: Encodable {
    var count: Int
    var value: String
  }

  static func runs(_ values: [String]) -> [Run] {
    var result: [Run] = []
    for value in values {
      if result.last?.value == value {
        result[result.count - 1].count += 1
      } else {
        result.append(Run(count: 1, value: value))
      }
    }
    return result
  }

  /// Encodes the repeat count, each body operator's configurations and the
  /// inner boundary layouts, each as runs `{"count": n, "value": "…"}`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(repeatCount, forKey: .repeatCount)
    try container.encode(
      operators.mapValues { Self.runs($0.map(\.description)) }, forKey: .operators)
    try container.encode(Self.runs(boundaries.map(\.description)), forKey: .boundaries)
  }
}

/// The frontier of a `plan` run in the form `--format json` prints.
public struct FrontierReport: Encodable, Sendable {
  /// One frontier point.
  public struct Entry: Encodable, Sendable {
    /// Seconds per iteration.
    public var time_s: Double
    /// Bytes per device.
    public var memory_bytes: Double
    /// The per-op configurations.
    public var strategy: Strategy
  }

  /// The model's name.
  public var model: String
  /// The stage's device count.
  public var devices: Int
  /// `ft` or `exhaustive`.
  public var search: SearchMethod
  /// The ε used.
  public var epsilon: Double
  /// The points, by increasing time.
  public var frontier: [Entry]

  /// A report of `points` (sorted by time here).
  public init(
    model: String, devices: Int, search: SearchMethod, epsilon: Double, points: [PlanPoint]
  ) {
    self.model = model
    self.devices = devices
    self.search = search
    self.epsilon = epsilon
    self.frontier = points.sorted {
      ($0.cost.time, $0.cost.memory) < ($1.cost.time, $1.cost.memory)
    }
    .map { Entry(time_s: $0.cost.time, memory_bytes: $0.cost.memory, strategy: $0.strategy) }
  }
}
