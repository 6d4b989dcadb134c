import TensorOptGraph

/// The collective operations the cost model prices.
public enum CollectiveKind: String, Hashable, Sendable, Codable, CaseIterable {
  /// Sum across the group, result everywhere.
  case allReduce = "all-reduce"
  /// Concatenate every member's slice on every member.
  case allGather = "all-gather"
  /// Sum across the group, each member keeping one slice.
  case reduceScatter = "reduce-scatter"
  /// Every member sends a distinct slice to every other.
  case allToAll = "all-to-all"
  /// One member's buffer to all.
  case broadcast
  /// One point-to-point message.
  case sendReceive = "send-recv"

  /// The collective that performs a re-layout step, or `nil` for a local slice.
  public init?(_ step: RelayoutKind) {
    switch step {
    case .allReduce: self = .allReduce
    case .allGather: self = .allGather
    case .reduceScatter: self = .reduceScatter
    case .allToAll: self = .allToAll
    case .slice: return nil
    }
  }
}
