import TensorOptCost
import Testing

@testable import TensorOptSearch

/// The heap merge of ``Frontier/unionOfSums(_:rightTrace:)`` against the
/// definition: every pairwise sum enumerated, the non-dominated ones kept, of
/// equal sums the one of the earliest pair, then left point, then right point.
@Suite("Union of Minkowski sums against enumeration")
struct UnionOfSumsTests {
  /// A random frontier with small integer costs (exact in `Double`, so that
  /// equal sums are common), each point's trace naming `tag` and its index.
  static func frontier(_ random: inout SplitMix64, tag: Int) -> Frontier {
    let count = Int.random(in: 0...6, using: &random)
    let points = (0..<count).map { index in
      FrontierPoint(
        cost: CostVector(
          time: Double(Int.random(in: 0...7, using: &random)),
          memory: Double(Int.random(in: 0...7, using: &random))),
        trace: .pick(node: tag, configuration: index))
    }
    return Frontier(points)
  }

  /// The picks of a point's trace as (node, configuration, repetition) triples.
  static func picks(_ trace: StrategyTrace) -> [[Int]] {
    trace.picks.map { [$0.node, $0.configuration, $0.repetition] }.sorted {
      $0.lexicographicallyPrecedes($1)
    }
  }

  @Test("costs and kept traces equal the enumerated definition, ties included")
  func matchesEnumeration() {
    var random = SplitMix64(seed: 0x5EED_0501)
    var ties = 0
    for _ in 0..<2000 {
      let pairCount = Int.random(in: 0...4, using: &random)
      let pairs = (0..<pairCount).map { p in
        (Self.frontier(&random, tag: 2 * p), Self.frontier(&random, tag: 2 * p + 1))
      }
      // Shift the right traces' repetition, as block composition does.
      let result = Frontier.unionOfSums(pairs) { .repetition(offset: 7, $0) }
      var sums: [FrontierPoint] = []
      for (lhs, rhs) in pairs {
        for a in lhs.points {
          for b in rhs.points {
            sums.append(
              FrontierPoint(
                cost: CostVector(
                  time: a.cost.time + b.cost.time, memory: a.cost.memory + b.cost.memory),
                trace: .join(a.trace, .repetition(offset: 7, b.trace))))
          }
        }
      }
      if Set(sums.map(\.cost)).count < sums.count { ties += 1 }
      // Frontier(_:) keeps the first of equal costs: the enumeration order.
      let reference = Frontier(sums)
      #expect(result.costs == reference.costs)
      #expect(result.isValid)
      #expect(
        result.points.map { Self.picks($0.trace) } == reference.points.map { Self.picks($0.trace) })
    }
    #expect(ties > 100)
  }
}
