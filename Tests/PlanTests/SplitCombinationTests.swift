import Testing

@testable import TensorOptCost
@testable import TensorOptPlan

/// The pieces the all-splits search combines, against brute force on random
/// instances (fixed seeds): splits × one point per stage, and the corners a
/// split's pipelines can reach at best.
@Suite("Combining pipelines over splits")
struct SplitCombinationTests {
  /// A linear congruential generator (fixed seed, reproducible).
  struct Random {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
  }

  /// The (time, memory) pairs no other pair beats (weakly in both, strictly
  /// in one), each once, by time.
  static func pareto(_ all: [[Double]]) -> [[Double]] {
    let front = all.filter { a in
      !all.contains { b in b[0] <= a[0] && b[1] <= a[1] && (b[0] < a[0] || b[1] < a[1]) }
    }
    return Array(Set(front)).sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
  }

  @Test(
    "Pareto over splits of each split's exact combination equals splits × choices by brute force")
  func splitsTimesChoicesEqualBruteForce() {
    var random = Random(state: 0x5_9117)
    for _ in 0..<200 {
      let layers = 3 + random.next(4)
      let p = 2 + random.next(2)
      let slots = Double(1 + random.next(5))
      let transfer = Double(random.next(3))
      // Stage s holding r layers: a random point set per (s, r), integer costs
      // (ties), heavier with more layers.
      var sets: [[Int]: [StageCost]] = [:]
      for s in 0..<p {
        for r in 1...layers {
          sets[[s, r]] = (0..<(1 + random.next(4))).map { _ in
            StageCost(
              work: Double(r + random.next(6)), tail: Double(random.next(5)),
              memory: Double(r + random.next(6)))
          }
        }
      }
      let splits = PipelineFamily.splits(layers: layers, stages: p)
      var truth: [[Double]] = []
      var fast: [[Double]] = []
      for split in splits {
        let stages = split.enumerated().map { sets[[$0.offset, $0.element]]! }
        // Every choice of one point per stage, costed by the schedule's formula.
        var choices: [[Double]] = [[0, 0, 0]]
        for points in stages {
          choices = choices.flatMap { c in
            points.map { [max(c[0], $0.work), max(c[1], $0.tail), max(c[2], $0.memory)] }
          }
        }
        truth += choices.map { [slots * ($0[0] + transfer) + $0[1], $0[2]] }
        fast += PipelineCombination.frontier(stages, slots: slots, transfer: transfer).map {
          [$0.time, $0.memory]
        }
      }
      #expect(Self.pareto(fast) == Self.pareto(truth))
      #expect(splits.allSatisfy { $0.count == p && $0.reduce(0, +) == layers && $0.min()! >= 1 })
    }
  }

  @Test("every choice of one point per stage is behind a corner, and every corner is reached")
  func cornersBoundEveryChoiceTightly() {
    var random = Random(state: 0xC0_4E55)
    for _ in 0..<300 {
      let stages = (0..<(1 + random.next(3))).map { _ in
        (0..<(1 + random.next(5))).map { _ in
          CostVector(time: Double(random.next(9)), memory: Double(random.next(9)))
        }
      }
      let corners = StagedOperatorSearch.SplitBound.corners(stages)
      var choices: [CostVector] = [.zero]
      for points in stages {
        choices = choices.flatMap { c in
          points.map { CostVector(time: max(c.time, $0.time), memory: max(c.memory, $0.memory)) }
        }
      }
      for choice in choices {
        #expect(corners.contains { $0.time <= choice.time && $0.memory <= choice.memory })
      }
      for corner in corners {
        #expect(choices.contains { $0.time <= corner.time && $0.memory <= corner.memory })
      }
    }
  }
}
