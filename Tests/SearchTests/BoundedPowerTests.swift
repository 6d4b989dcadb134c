import TensorOptCost
import Testing

@testable import TensorOptSearch

/// Block powers pruned by incumbents against every chain of repetitions
/// enumerated.
@Suite("Block powers pruned by branch and bound")
struct BoundedPowerTests {
  /// The non-dominated costs among every chain `i → … → j` of `count` entries
  /// of `matrix`, one point per entry: the definition of the power's entry.
  static func enumeratedPower(_ matrix: FrontierMatrix, count: Int, _ i: Int, _ j: Int)
    -> [CostVector]
  {
    var sums: [CostVector] = []
    func extend(from row: Int, step: Int, cost: CostVector) {
      if step == count {
        if row == j { sums.append(cost) }
        return
      }
      for column in 0..<matrix.columns {
        for point in matrix[row, column].points {
          extend(from: column, step: step + 1, cost: cost + point.cost)
        }
      }
    }
    extend(from: i, step: 0, cost: .zero)
    return Frontier.nonDominatedIndices(sums.count) { sums[$0] }.map { sums[$0] }
  }

  @Test("a pruned power keeps every chain's point no incumbent beats, and nothing else")
  func prunedPowerMatchesEnumeration() {
    var random = SplitMix64(seed: 0xB0B0_0003)
    var prunings = 0
    var lost = 0
    for _ in 0..<300 {
      let layouts = Int.random(in: 1...3, using: &random)
      let count = Int.random(in: 1...6, using: &random)
      let matrix = FrontierMatrix(rows: layouts, columns: layouts) { _, _ in
        UnionOfSumsTests.frontier(&random, tag: 0)
      }
      let rest = CostVector(
        time: Double(Int.random(in: 0...5, using: &random)),
        memory: Double(Int.random(in: 0...5, using: &random)))
      // Incumbents around what complete chains cost.
      var incumbents: [CostVector] = []
      for _ in 0..<Int.random(in: 1...4, using: &random) {
        incumbents.append(
          CostVector(
            time: Double(Int.random(in: 0...(8 * count), using: &random)),
            memory: Double(Int.random(in: 0...(8 * count), using: &random))))
      }
      let bound = IncumbentBound(incumbents)
      let pruned = matrix.power(count, bound: bound, rest: rest)
      prunings += pruned.prunings
      for i in 0..<layouts {
        for j in 0..<layouts {
          let reference = Self.enumeratedPower(matrix, count: count, i, j)
          let kept = pruned.matrix[i, j]
          #expect(kept.isValid)
          // Nothing that is not a real chain's non-dominated point.
          #expect(kept.costs.allSatisfy { reference.contains($0) })
          // Nothing lost that an incumbent does not strictly beat with the rest added.
          for point in reference where !bound.dominates(point + rest) {
            #expect(kept.costs.contains(point), "\(point) lost at (\(i), \(j)), count \(count)")
          }
          lost += reference.count - kept.count
        }
      }
    }
    // The pruning must actually drop points.
    #expect(prunings > 200)
    #expect(lost > 100)
  }
}
