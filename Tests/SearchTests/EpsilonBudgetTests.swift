import Foundation
import TensorOptCost
import Testing

@testable import TensorOptSearch

/// The ε guarantee of thinning against a shared error budget, on chains of
/// compositions, where errors compound with depth.
@Suite("ε budget along block compositions")
struct EpsilonBudgetTests {
  /// A random square matrix of frontiers with up to `points` points per entry.
  static func matrix(_ random: inout SplitMix64, size: Int, points: Int) -> FrontierMatrix {
    FrontierMatrix(rows: size, columns: size) { i, j in
      Frontier(
        (0..<Int.random(in: 1...points, using: &random)).map { k in
          FrontierPoint(
            // Whole numbers: sums are exact in any order, as in the planner.
            cost: CostVector(
              time: Double(Int.random(in: 1...1000, using: &random)),
              memory: Double(Int.random(in: 1...1000, using: &random))),
            trace: .pick(node: i * size + j, configuration: k))
        })
    }
  }

  @Test("every exact point of a block power is within 1 + ε of a point of the thinned power")
  func powerCoversExact() {
    var random = SplitMix64(seed: 0x5EED_0701)
    var thinnedSomething = false
    for index in 0..<80 {
      let size = Int.random(in: 1...3, using: &random)
      let count = Int.random(in: 2...16, using: &random)
      let block = Self.matrix(&random, size: size, points: 8)
      let epsilon = [0.01, 0.05, 0.2, 1.0][index % 4]
      let afterwards = Int.random(in: 0...4, using: &random)
      let exact = block.power(count)
      let thinned = block.power(count, budget: log1p(epsilon), afterwards: afterwards)
      for i in 0..<size {
        for j in 0..<size {
          let entry = thinned[i, j]
          #expect(entry.isValid)
          #expect(entry.logError <= log1p(epsilon) * (1 + 1e-12))
          for point in exact[i, j].points {
            #expect(
              entry.covers(point.cost, factor: (1 + epsilon) * (1 + 1e-12)),
              "\(point.cost) of entry (\(i), \(j)), \(count) repetitions, ε = \(epsilon)")
          }
          // Thinned points are real sums: none is better than the exact frontier.
          for point in exact[i, j].points {
            #expect(!entry.points.contains { $0.cost.dominates(point.cost) })
          }
          if entry.count < exact[i, j].count { thinnedSomething = true }
        }
      }
    }
    #expect(thinnedSomething)
  }

  @Test("a thinning reports the largest factor it used, and spends at most what is left")
  func thinningAccounting() {
    var random = SplitMix64(seed: 0x5EED_0702)
    for _ in 0..<500 {
      let frontier = Frontier(
        (0..<Int.random(in: 0...30, using: &random)).map { _ in
          FrontierPoint(
            cost: CostVector(
              time: Double.random(in: 1...100, using: &random),
              memory: Double.random(in: 1...100, using: &random)), trace: .empty)
        })
      let budget = Double.random(in: 0...0.5, using: &random)
      let remaining = Int.random(in: 0...5, using: &random)
      let thinned = frontier.thinned(budget: budget, remaining: remaining)
      #expect(thinned.logError <= budget / Double(remaining + 1) * (1 + 1e-12))
      // Recompute the factor each dropped point needs from scratch.
      var needed = 1.0
      for point in frontier.points {
        let best = thinned.points.map {
          max($0.cost.time / point.cost.time, $0.cost.memory / point.cost.memory, 1)
        }.min()!
        needed = max(needed, best)
      }
      #expect(log(needed) <= thinned.logError * (1 + 1e-12) + 1e-15)
      #expect(thinned.count == frontier.count || thinned.logError > 0)
    }
  }
}
