import TensorOptCost
import Testing

@testable import TensorOptSearch

/// The point filters of the search (``IncumbentBound/pruned(_:rest:)`` and
/// ``Frontier/removing(_:)``), which copy a frontier only when they drop a
/// point, against a plain filter of its points.
@Suite("Point filters against a plain filter")
struct PointFilterTests {
  /// The costs and the picks' configurations of a frontier's points, in order.
  static func summary(_ frontier: Frontier) -> [[Double]] {
    frontier.points.map { point in
      let configuration = point.trace.picks.first?.configuration ?? -1
      return [point.cost.time, point.cost.memory, Double(configuration)]
    }
  }

  /// A random frontier of up to `maxCount` points with a random error bound.
  static func frontier(_ random: inout SplitMix64, maxCount: Int) -> Frontier {
    var frontier = UnionOfSumsTests.frontier(&random, tag: 0, sizes: 0...maxCount, range: 20)
    frontier.logError = Double(Int.random(in: 0...2, using: &random)) / 10
    return frontier
  }

  /// `pruned` keeps exactly the points whose cost plus `rest` no incumbent
  /// dominates, in order, with the frontier's error.
  @Test("pruned keeps the undominated points", arguments: [UInt64(3), 17, 2024])
  func pruned(seed: UInt64) {
    var random = SplitMix64(seed: seed)
    for _ in 0..<300 {
      let frontier = Self.frontier(&random, maxCount: 12)
      let incumbents = (0..<Int.random(in: 1...3, using: &random)).map { _ in
        CostVector(
          time: Double(Int.random(in: 0...30, using: &random)),
          memory: Double(Int.random(in: 0...30, using: &random)))
      }
      let bound = IncumbentBound(incumbents)
      let rest = CostVector(
        time: Double(Int.random(in: 0...5, using: &random)),
        memory: Double(Int.random(in: 0...5, using: &random)))
      let kept = bound.pruned(frontier, rest: rest)
      let expected = frontier.points.filter { !bound.dominates($0.cost + rest) }
      #expect(Self.summary(kept) == Self.summary(Frontier(uncheckedPoints: expected)))
      #expect(kept.logError == frontier.logError)
      #expect(kept.isValid)
    }
  }

  /// `removing` drops exactly the points flagged in some mask, in order, with
  /// the frontier's error.
  @Test("removing drops the flagged points", arguments: [UInt64(5), 99])
  func removing(seed: UInt64) {
    var random = SplitMix64(seed: seed)
    for _ in 0..<300 {
      let frontier = Self.frontier(&random, maxCount: 10)
      let masks = (0..<Int.random(in: 0...3, using: &random)).map { _ in
        frontier.points.map { _ in Int.random(in: 0...3, using: &random) == 0 }
      }
      let kept = frontier.removing(masks.lazy.map { $0 })
      let expected = frontier.points.indices.filter { index in
        !masks.contains { $0[index] }
      }.map { frontier.points[$0] }
      #expect(Self.summary(kept) == Self.summary(Frontier(uncheckedPoints: expected)))
      #expect(kept.logError == frontier.logError)
    }
  }
}
