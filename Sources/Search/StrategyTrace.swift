/// A back-pointer from a frontier point to the choices that produced it.
///
/// Traces are persistent and shared: combining two points allocates one
/// `join` cell however large the strategies are, so reconstruction is cheap
/// and only paid for the points a caller asks about.
public indirect enum StrategyTrace: Sendable {
  /// No choice.
  case empty
  /// Node `node` of the configuration graph takes configuration `configuration`.
  case pick(node: Int, configuration: Int)
  /// Both traces' choices.
  case join(StrategyTrace, StrategyTrace)
  /// The inner choices belong to repetition `offset` + (their own repetition)
  /// of a repeated block.
  case repetition(offset: Int, StrategyTrace)
  /// The inner choices refer to the nodes of sub-problem `scope` (a block body).
  case scope(Int, StrategyTrace)

  /// The choices of both traces, without allocating when one is empty.
  public static func combining(_ lhs: StrategyTrace, _ rhs: StrategyTrace) -> StrategyTrace {
    if case .empty = lhs { return rhs }
    if case .empty = rhs { return lhs }
    return .join(lhs, rhs)
  }

  /// The choices of several traces.
  public static func combining(_ traces: [StrategyTrace]) -> StrategyTrace {
    traces.reduce(.empty, combining)
  }

  /// Every choice the trace records, in no particular order (a node may appear
  /// more than once with the same configuration).
  public var picks: [TracePick] {
    var result: [TracePick] = []
    var stack: [(StrategyTrace, [Int], Int)] = [(self, [], 0)]
    while let (trace, scopes, offset) = stack.popLast() {
      switch trace {
      case .empty: break
      case .pick(let node, let configuration):
        result.append(
          TracePick(scopes: scopes, repetition: offset, node: node, configuration: configuration))
      case .join(let lhs, let rhs):
        stack.append((rhs, scopes, offset))
        stack.append((lhs, scopes, offset))
      case .repetition(let shift, let inner):
        stack.append((inner, scopes, offset + shift))
      case .scope(let scope, let inner):
        // A new scope starts its own repetition count; the enclosing one is kept
        // alongside the scope path.
        stack.append((inner, scopes + [scope, offset], 0))
      }
    }
    return result
  }

  /// The configuration per node of a trace over a single configuration graph
  /// with `nodeCount` nodes (no scopes or repetitions), or `nil` when a node is
  /// missing or picked twice with different configurations.
  public func assignment(nodeCount: Int) -> [Int]? {
    var result = [Int](repeating: -1, count: nodeCount)
    for pick in picks {
      guard pick.scopes.isEmpty, pick.repetition == 0, result.indices.contains(pick.node) else {
        return nil
      }
      if result[pick.node] >= 0 && result[pick.node] != pick.configuration { return nil }
      result[pick.node] = pick.configuration
    }
    return result.contains(-1) ? nil : result
  }
}

/// One choice recorded in a ``StrategyTrace``.
public struct TracePick: Hashable, Sendable {
  /// The enclosing scopes, outermost first, as pairs (scope, repetition of the
  /// enclosing scope in which it occurs).
  public var scopes: [Int]
  /// The repetition within the innermost scope.
  public var repetition: Int
  /// The node of the innermost scope's configuration graph.
  public var node: Int
  /// The configuration index.
  public var configuration: Int
}
