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
  static func frontier(
    _ random: inout SplitMix64, tag: Int, sizes: ClosedRange<Int> = 0...6, range: Int = 7
  ) -> Frontier {
    let count = Int.random(in: sizes, using: &random)
    let points = (0..<count).map { index in
      FrontierPoint(
        cost: CostVector(
          time: Double(Int.random(in: 0...range, using: &random)),
          memory: Double(Int.random(in: 0...range, using: &random))),
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

  /// The definition: every pairwise sum enumerated (pair, left point, right
  /// point order), the non-dominated ones kept, of equal ones the first.
  static func reference(_ pairs: [(Frontier, Frontier)]) -> Frontier {
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
    // Frontier(_:) keeps the first of equal costs: the enumeration order.
    return Frontier(sums)
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
      let sums = pairs.flatMap { pair in
        pair.0.points.flatMap { a in pair.1.points.map { a.cost + $0.cost } }
      }
      if Set(sums).count < sums.count { ties += 1 }
      let reference = Self.reference(pairs)
      #expect(result.costs == reference.costs)
      #expect(result.isValid)
      #expect(
        result.points.map { Self.picks($0.trace) } == reference.points.map { Self.picks($0.trace) })
    }
    #expect(ties > 100)
  }

  /// Rows start from the smaller operand of each pair; lopsided pairs (one
  /// point against many, in both orders) and long rows exercise the jumps
  /// along either operand and the ties between rows of either kind.
  @Test("lopsided pairs, rows along either operand, equal the enumerated definition")
  func lopsidedPairsMatchEnumeration() {
    var random = SplitMix64(seed: 0x5EED_0502)
    for _ in 0..<1000 {
      let pairCount = Int.random(in: 1...6, using: &random)
      let pairs = (0..<pairCount).map { p in
        let small = 1...2
        let large = 5...24
        let leftIsSmall = Bool.random(using: &random)
        return (
          Self.frontier(&random, tag: 2 * p, sizes: leftIsSmall ? small : large, range: 40),
          Self.frontier(&random, tag: 2 * p + 1, sizes: leftIsSmall ? large : small, range: 40)
        )
      }
      let result = Frontier.unionOfSums(pairs) { .repetition(offset: 7, $0) }
      let reference = Self.reference(pairs)
      #expect(result.costs == reference.costs)
      #expect(
        result.points.map { Self.picks($0.trace) } == reference.points.map { Self.picks($0.trace) })
    }
  }

  @Test("the jump finds the first sum below a bound, as a linear scan does")
  func firstBelowMatchesLinearScan() {
    var random = SplitMix64(seed: 0x5EED_0503)
    for _ in 0..<2000 {
      let count = Int.random(in: 0...40, using: &random)
      var memory = 100.0
      let costs = (0..<count).map { index in
        memory -= Double(Int.random(in: 1...3, using: &random))
        return CostVector(time: Double(index), memory: memory)
      }
      let low = Int.random(in: 0...count, using: &random)
      let high = Int.random(in: low...count, using: &random)
      let bound = Double(Int.random(in: 0...110, using: &random)) - 0.5
      let expected = (low..<high).first { costs[$0].memory < bound } ?? high
      let found = costs.withUnsafeBufferPointer {
        Frontier.firstBelow(bound, in: $0, from: low, to: high)
      }
      #expect(found == expected)
    }
  }
}
