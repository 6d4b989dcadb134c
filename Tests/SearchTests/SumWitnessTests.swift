import TensorOptCost
import Testing

@testable import TensorOptSearch

/// The skipping of dominated sums in ``Frontier/unionOfSums(_:rightTrace:)``:
/// when it applies, and that it changes nothing but the work.
@Suite("Union of sums: skipping sums another row dominates")
struct SumWitnessTests {
  /// A random frontier with integer memories and times spaced `spacing` apart
  /// at least (exactly ordered sums), each point's trace naming `tag` and its
  /// index.
  static func frontier(
    _ random: inout SplitMix64, tag: Int, sizes: ClosedRange<Int>, range: Int, spacing: Double = 1
  ) -> Frontier {
    let count = Int.random(in: sizes, using: &random)
    let points = (0..<count).map { index in
      FrontierPoint(
        cost: CostVector(
          time: spacing * Double(Int.random(in: 0...range, using: &random)),
          memory: Double(Int.random(in: 0...range, using: &random))),
        trace: .pick(node: tag, configuration: index))
    }
    return Frontier(points)
  }

  /// Costs and picks (node, configuration, repetition) of every point.
  static func summary(_ frontier: Frontier) -> [[Double]] {
    frontier.points.map { point in
      [point.cost.time, point.cost.memory]
        + UnionOfSumsTests.picks(point.trace).flatMap { $0.map(Double.init) }
    }
  }

  @Test("with and without skipping, and against enumeration, the same points and traces")
  func skippingChangesNothing() {
    var random = SplitMix64(seed: 0x5EED_0701)
    var skipped = 0
    for _ in 0..<1500 {
      let pairCount = Int.random(in: 1...8, using: &random)
      // Many near-equal pairs: the rows of one hover just above another's.
      let pairs = (0..<pairCount).map { p in
        (
          Self.frontier(&random, tag: 2 * p, sizes: 1...4, range: 12, spacing: 0.25),
          Self.frontier(&random, tag: 2 * p + 1, sizes: 3...20, range: 60, spacing: 0.25)
        )
      }
      #expect(pairs.allSatisfy { Frontier.sumsAreExactlyOrdered($0.0, $0.1) })
      let skipping = Frontier.unionOfSums(pairs, skippingDominated: true) {
        .repetition(offset: 7, $0)
      }
      let plain = Frontier.unionOfSums(pairs, skippingDominated: false) {
        .repetition(offset: 7, $0)
      }
      let reference = UnionOfSumsTests.reference(pairs)
      #expect(Self.summary(skipping) == Self.summary(plain))
      #expect(skipping.costs == reference.costs)
      #expect(
        skipping.points.map { UnionOfSumsTests.picks($0.trace) }
          == reference.points.map { UnionOfSumsTests.picks($0.trace) })
      if skipping.count > 1 { skipped += 1 }
    }
    #expect(skipped > 500)
  }

  @Test("exactly ordered: integer memories and times more than two ulps apart")
  func exactOrdering() {
    func frontier(_ costs: [(Double, Double)]) -> Frontier {
      Frontier(
        costs.map { FrontierPoint(cost: CostVector(time: $0.0, memory: $0.1), trace: .empty) })
    }
    let integral = frontier([(1, 9), (2, 5), (4, 1)])
    #expect(Frontier.sumsAreExactlyOrdered(integral, integral))
    #expect(Frontier.sumsAreExactlyOrdered(frontier([(0.001, 3e9), (0.002, 1e9)]), integral))
    // A fractional memory: sums and differences may round.
    #expect(!Frontier.sumsAreExactlyOrdered(frontier([(1, 9.5), (2, 5)]), integral))
    // Memories beyond 2^51.
    #expect(!Frontier.sumsAreExactlyOrdered(frontier([(1, 0x1p52), (2, 5)]), integral))
    // Times one ulp apart next to a large one: adding it may merge them.
    let close = frontier([(1, 9), (1 + 1.0.ulp, 5)])
    #expect(!Frontier.sumsAreExactlyOrdered(close, frontier([(1e6, 1)])))
    #expect(!Frontier.sumsAreExactlyOrdered(frontier([(1e6, 1)]), close))
    #expect(!Frontier.sumsAreExactlyOrdered(frontier([(.infinity, 1)]), integral))
    #expect(Frontier.sumsAreExactlyOrdered(.empty, integral))
  }

  @Test("non-exact inputs take the plain merge, which still matches enumeration")
  func fractionalMemoriesMatchEnumeration() {
    var random = SplitMix64(seed: 0x5EED_0702)
    for _ in 0..<500 {
      let pairs = (0..<Int.random(in: 1...5, using: &random)).map { p in
        (
          Self.frontier(&random, tag: 2 * p, sizes: 1...3, range: 20),
          Self.frontier(&random, tag: 2 * p + 1, sizes: 2...12, range: 40)
        )
      }.map { pair in
        // Halves: exact in binary, but not integers.
        (pair.0.scaledMemory(by: 0.5), pair.1)
      }
      let result = Frontier.unionOfSums(pairs) { .repetition(offset: 7, $0) }
      let reference = UnionOfSumsTests.reference(pairs)
      #expect(result.costs == reference.costs)
      #expect(
        result.points.map { UnionOfSumsTests.picks($0.trace) }
          == reference.points.map { UnionOfSumsTests.picks($0.trace) })
    }
  }

  /// A row over a flat cost array, as the merge lays it out.
  static func row(fixed: CostVector, start: Int, end: Int) -> Frontier.Row {
    Frontier.Row(
      memory: 0, fixedTime: fixed.time, fixedMemory: fixed.memory, pair: 0, left: 0, right: 0,
      position: Int32(start), end: Int32(end), start: Int32(start))
  }

  @Test("the first undominated sum and the last sum no later equal linear scans")
  func searchesMatchLinearScans() {
    var random = SplitMix64(seed: 0x5EED_0703)
    for _ in 0..<3000 {
      let a = Self.frontier(&random, tag: 0, sizes: 1...15, range: 30)
      let b = Self.frontier(&random, tag: 1, sizes: 1...15, range: 30)
      let costs = a.costs + b.costs
      let row = Self.row(
        fixed: CostVector(
          time: Double(Int.random(in: 0...5, using: &random)),
          memory: Double(Int.random(in: 0...5, using: &random))), start: 0, end: a.count)
      let witnessRow = Self.row(
        fixed: CostVector(
          time: Double(Int.random(in: 0...5, using: &random)),
          memory: Double(Int.random(in: 0...5, using: &random))), start: a.count,
        end: costs.count)
      func sum(_ row: Frontier.Row, _ index: Int) -> CostVector {
        CostVector(
          time: row.fixedTime + costs[index].time, memory: row.fixedMemory + costs[index].memory)
      }
      let bound = Double(Int.random(in: 0...70, using: &random))
      let low = (0..<a.count).first { sum(row, $0).memory < bound } ?? a.count
      let expected =
        (low..<a.count).first { j in
          let s = sum(row, j)
          return s.memory < bound
            && !(a.count..<costs.count).contains { k in
              let w = sum(witnessRow, k)
              return (w.time <= s.time && w.memory < s.memory)
                || (w.time < s.time && w.memory <= s.memory)
            }
        } ?? a.count
      let time = Double(Int.random(in: 0...70, using: &random))
      let guess = Int.random(in: a.count...costs.count, using: &random)
      let expectedLast =
        (a.count..<costs.count).last { sum(witnessRow, $0).time <= time } ?? (a.count - 1)
      costs.withUnsafeBufferPointer { moving in
        let found = Frontier.firstUndominated(
          row, from: low, below: bound, by: witnessRow, moving: moving)
        #expect(found == expected)
        let last = Frontier.lastNoLater(than: time, in: witnessRow, from: guess, moving: moving)
        #expect(last == expectedLast)
      }
    }
  }
}

extension Frontier {
  /// The same points with every memory multiplied by `factor` (> 0).
  fileprivate func scaledMemory(by factor: Double) -> Frontier {
    Frontier(
      uncheckedPoints: points.map {
        FrontierPoint(
          cost: CostVector(time: $0.cost.time, memory: $0.cost.memory * factor), trace: $0.trace)
      })
  }
}
