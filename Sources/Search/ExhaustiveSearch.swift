import Foundation
import TensorOptCost

/// An error of the search, with a message fit for the command line.
public struct SearchError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What went wrong.
  public var message: String

  /// Creates an error.
  public init(_ message: String) { self.message = message }

  public var description: String { message }
}

/// The brute-force reference: enumerates every strategy of a
/// ``ConfigurationGraph`` and keeps the non-dominated ones.
///
/// It refuses graphs with more than ``limit`` strategies up front. A partial
/// strategy whose cost plus a lower bound of the rest (every remaining node at
/// its cheapest time and, separately, its cheapest memory) is already weakly
/// dominated by a complete strategy is cut off — costs are non-negative, so
/// completing it cannot produce a new frontier point. This changes the running
/// time, never the result. If the enumeration still visits more than
/// ``visitBudget`` partial strategies it gives up with an error rather than
/// run for hours.
public struct ExhaustiveSearch: Sendable {
  /// The largest number of strategies it agrees to enumerate.
  public var limit: Double
  /// The most partial strategies it visits before giving up.
  public var visitBudget: Int

  /// The default limit: 10¹⁰ strategies.
  public static let defaultLimit = 1e10
  /// The default visit budget: 2·10⁸ partial strategies (seconds, not hours).
  public static let defaultVisitBudget = 200_000_000

  /// Creates an enumerator.
  public init(
    limit: Double = ExhaustiveSearch.defaultLimit,
    visitBudget: Int = ExhaustiveSearch.defaultVisitBudget
  ) {
    self.limit = limit
    self.visitBudget = visitBudget
  }

  /// The Pareto frontier of every strategy of `graph`; each point's trace picks
  /// a configuration for every node.
  ///
  /// - Throws: ``SearchError`` when the graph has more than ``limit``
  ///   strategies or composite edges (which must be expanded first).
  public func frontier(of graph: ConfigurationGraph) throws(SearchError) -> Frontier {
    guard graph.compositeEdges.isEmpty else {
      throw SearchError("exhaustive search needs an expanded graph (no composite edges)")
    }
    let count = graph.strategyCount
    guard count <= limit else {
      throw SearchError(
        "exhaustive search refused: \(Self.format(count)) strategies exceed the limit of \(Self.format(limit)); "
          + "use --search ft")
    }
    let n = graph.nodeCount
    if n == 0 { return .unit }
    if graph.configurationCounts.contains(0) { return .empty }
    let counts = graph.configurationCounts
    // For each node, the edges to earlier nodes: (earlier node, costs, whether the node is the row).
    var earlier: [[(other: Int, edge: Int, nodeIsRow: Bool)]] = Array(repeating: [], count: n)
    for (index, edge) in graph.edges.enumerated() {
      let later = max(edge.source, edge.target)
      let first = min(edge.source, edge.target)
      earlier[later].append((first, index, later == edge.source))
    }
    let canPrune =
      graph.nodeCosts.allSatisfy { $0.allSatisfy { $0.time >= 0 && $0.memory >= 0 } }
      && graph.edges.allSatisfy { $0.costs.allSatisfy { $0.time >= 0 && $0.memory >= 0 } }
    // remaining[d]: a lower bound of the cost of nodes d..<n and of their edges
    // to earlier nodes, each objective minimised separately.
    var remaining = [CostVector](repeating: .zero, count: n + 1)
    for node in stride(from: n - 1, through: 0, by: -1) {
      var cheapest = CostVector(time: .infinity, memory: .infinity)
      for c in 0..<counts[node] {
        var bound = graph.nodeCosts[node][c]
        for (other, edge, nodeIsRow) in earlier[node] {
          let costs = graph.edges[edge].costs
          var best = CostVector(time: .infinity, memory: .infinity)
          for o in 0..<counts[other] {
            let entry = costs[nodeIsRow ? c * counts[other] + o : o * counts[node] + c]
            best = CostVector(
              time: min(best.time, entry.time), memory: min(best.memory, entry.memory))
          }
          bound += best
        }
        cheapest = CostVector(
          time: min(cheapest.time, bound.time), memory: min(cheapest.memory, bound.memory))
      }
      remaining[node] = remaining[node + 1] + (canPrune ? cheapest : .zero)
    }
    // Configurations are tried fastest first, so good complete strategies are
    // found early and prune more.
    let order = graph.nodeCosts.map { costs in
      costs.indices.sorted {
        (costs[$0].time, costs[$0].memory, $0) < (costs[$1].time, costs[$1].memory, $1)
      }
    }
    var position = [Int](repeating: 0, count: n)
    var visits = 0
    var archive = ParetoArchive()
    var assignment = [Int](repeating: 0, count: n)
    var partial = [CostVector](repeating: .zero, count: n + 1)
    var depth = 0
    position[0] = -1
    while depth >= 0 {
      position[depth] += 1
      if position[depth] >= counts[depth] {
        depth -= 1
        continue
      }
      assignment[depth] = order[depth][position[depth]]
      var cost = partial[depth] + graph.nodeCosts[depth][assignment[depth]]
      for (other, edge, nodeIsRow) in earlier[depth] {
        let costs = graph.edges[edge].costs
        let index =
          nodeIsRow
          ? assignment[depth] * counts[other] + assignment[other]
          : assignment[other] * counts[depth] + assignment[depth]
        cost += costs[index]
      }
      visits += 1
      if visits > visitBudget {
        throw SearchError(
          "exhaustive search gave up after visiting \(visitBudget) partial strategies "
            + "(the space has \(Self.format(count)) strategies); use --search ft")
      }
      if canPrune && archive.weaklyDominates(cost + remaining[depth + 1]) { continue }
      if depth == n - 1 {
        archive.insert(cost, assignment: assignment)
      } else {
        partial[depth + 1] = cost
        depth += 1
        position[depth] = -1
      }
    }
    return Frontier(
      uncheckedPoints: archive.entries.map { entry in
        FrontierPoint(
          cost: entry.cost,
          trace: .combining(
            entry.assignment.enumerated().map { .pick(node: $0.offset, configuration: $0.element) })
        )
      })
  }

  static func format(_ count: Double) -> String {
    count < 1e9 ? String(Int(count)) : String(format: "%.3g", count)
  }
}

/// A growing Pareto set with O(log n) dominance queries.
struct ParetoArchive {
  struct Entry {
    var cost: CostVector
    var assignment: [Int]
  }

  /// By increasing time, strictly decreasing memory.
  private(set) var entries: [Entry] = []

  /// The index of the first entry with time greater than `time`.
  private func upperBound(_ time: Double) -> Int {
    var low = 0
    var high = entries.count
    while low < high {
      let mid = (low + high) / 2
      if entries[mid].cost.time <= time { low = mid + 1 } else { high = mid }
    }
    return low
  }

  /// Whether some entry is at least as good as `cost` in both objectives.
  func weaklyDominates(_ cost: CostVector) -> Bool {
    let index = upperBound(cost.time)
    return index > 0 && entries[index - 1].cost.memory <= cost.memory
  }

  /// Adds `cost` unless weakly dominated, dropping the entries it dominates.
  mutating func insert(_ cost: CostVector, assignment: [Int]) {
    guard !weaklyDominates(cost) else { return }
    var index = upperBound(cost.time)
    // Entries of equal time and larger memory sit just before `index`.
    while index > 0, entries[index - 1].cost.time == cost.time {
      entries.remove(at: index - 1)
      index -= 1
    }
    var end = index
    while end < entries.count, entries[end].cost.memory >= cost.memory { end += 1 }
    entries.replaceSubrange(index..<end, with: [Entry(cost: cost, assignment: assignment)])
  }
}
