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
      let corners = FloorFrontier.corners(stages.map(FloorFrontier.pareto))
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

  /// A random instance of the programme: per stage, every range a split can
  /// give it, each with 0–3 candidates (integer costs, so ties), a transfer
  /// per (stage, cut), and marks (or none).
  struct Instance {
    var layers: Int
    var slots: Double
    var stages: [SplitProgramme.Stage]
    var transfers: [[Double]]

    init(_ random: inout Random) {
      let p = 2 + random.next(3)
      layers = p + random.next(4)
      slots = Double(1 + random.next(5))
      let marking = random.next(2) == 0
      var stages: [SplitProgramme.Stage] = []
      for s in 0..<p {
        var ranges: [(start: Int, end: Int)] = []
        var costs: [[StageCost]] = []
        for start in s...(layers - p + s) {
          for end in (start + 1)...(layers - p + s + 1) where s < p - 1 || end == layers {
            guard s > 0 || start == 0 else { continue }
            ranges.append((start, end))
            let r = end - start
            costs.append(
              (0..<random.next(4)).map { _ in
                StageCost(
                  work: Double(r + random.next(6)), tail: Double(random.next(5)),
                  memory: Double(r + random.next(6)))
              })
          }
        }
        stages.append(
          SplitProgramme.Stage(
            ranges: ranges, costs: costs,
            marks: marking ? ranges.map { _ in random.next(3) == 0 } : nil))
      }
      self.stages = stages
      let cuts = layers
      var transfers: [[Double]] = []
      for _ in 0..<p { transfers.append((0...cuts).map { _ in Double(random.next(3)) }) }
      self.transfers = transfers
    }

    /// Every pipeline of every admitted split, by brute force: (time, memory).
    func bruteForce() -> [[Double]] {
      var all: [[Double]] = []
      for split in PipelineFamily.splits(layers: layers, stages: stages.count) {
        var start = 0
        var options: [[StageCost]] = []
        var marked = false
        var transfer = 0.0
        for (s, count) in split.enumerated() {
          let end = start + count
          guard let index = stages[s].ranges.firstIndex(where: { $0 == (start, end) }) else {
            break
          }
          options.append(stages[s].costs[index])
          marked = marked || (stages[s].marks?[index] ?? true)
          if s > 0 { transfer = max(transfer, transfers[s - 1][start]) }
          start = end
        }
        guard options.count == stages.count, marked else { continue }
        var choices: [[Double]] = [[0, 0, 0]]
        for points in options {
          choices = choices.flatMap { c in
            points.map { [max(c[0], $0.work), max(c[1], $0.tail), max(c[2], $0.memory)] }
          }
        }
        all += choices.map { [slots * ($0[0] + transfer) + $0[1], $0[2]] }
      }
      return all
    }

    func frontier(staircase: Staircase? = nil) -> [SplitProgramme.Pipeline] {
      SplitProgramme.frontier(
        stages, layers: layers, slots: slots, transfer: { transfers[$0][$1] },
        staircase: staircase)
    }
  }

  @Test("the programme over (stages used, layers placed) equals every split × every choice")
  func programmeEqualsBruteForce() {
    var random = Random(state: 0xD9_2024)
    for _ in 0..<300 {
      let instance = Instance(&random)
      let found = instance.frontier()
      #expect(found.map { [$0.time, $0.memory] } == Self.pareto(instance.bruteForce()))
      // Each pipeline's picks are contiguous ranges covering the layers and
      // re-cost to its time and memory.
      for pipeline in found {
        var (end, work, tail, memory, transfer) = (0, 0.0, 0.0, 0.0, 0.0)
        for (s, pick) in pipeline.picks.enumerated() {
          let range = instance.stages[s].ranges[pick.range]
          #expect(range.start == end)
          if s > 0 { transfer = max(transfer, instance.transfers[s - 1][range.start]) }
          end = range.end
          let cost = instance.stages[s].costs[pick.range][pick.candidate]
          (work, tail, memory) = (
            max(work, cost.work), max(tail, cost.tail), max(memory, cost.memory)
          )
        }
        #expect(end == instance.layers)
        #expect(pipeline.time == instance.slots * (work + transfer) + tail)
        #expect(pipeline.memory == memory && pipeline.transfer == transfer)
      }
    }
  }

  @Test("with a staircase, the programme keeps every frontier pipeline it does not beat")
  func staircaseDropsOnlyBeatenPipelines() {
    var random = Random(state: 0x57A1_2C)
    for _ in 0..<300 {
      let instance = Instance(&random)
      let truth = Self.pareto(instance.bruteForce())
      guard !truth.isEmpty else { continue }
      // Incumbents: some frontier points, a little better or worse.
      let incumbents = truth.filter { _ in random.next(2) == 0 }.map {
        (
          time: $0[0] * (0.9 + 0.1 * Double(random.next(3))),
          memory: $0[1] - 1 + Double(random.next(3))
        )
      }
      let staircase = Staircase(incumbents)
      let found = Set(instance.frontier(staircase: staircase).map { [$0.time, $0.memory] })
      for point in truth where !staircase.dominates(time: point[0], memory: point[1]) {
        #expect(found.contains(point), "\(point)")
      }
      #expect(
        found.allSatisfy { point in truth.contains { $0[0] <= point[0] && $0[1] <= point[1] } })
    }
  }

  @Test("split corners bound every pipeline of every split, and through a range those through it")
  func splitCornersBoundEveryPipeline() {
    var random = Random(state: 0xF100_4)
    for _ in 0..<200 {
      let instance = Instance(&random)
      let floors = instance.stages.map { stage in
        stage.costs.map { costs in
          FloorFrontier.pareto(
            costs.map { CostVector(time: instance.slots * $0.work + $0.tail, memory: $0.memory) })
        }
      }
      let ranges = instance.stages.map(\.ranges)
      let corners = FloorFrontier.splitCorners(
        ranges: ranges, floors: floors, layers: instance.layers, suffixes: true)
      var reached: [CostVector] = []
      for split in PipelineFamily.splits(layers: instance.layers, stages: ranges.count) {
        var start = 0
        var picks: [(stage: Int, range: Int)] = []
        for (s, count) in split.enumerated() {
          if let index = ranges[s].firstIndex(where: { $0 == (start, start + count) }) {
            picks.append((s, index))
          }
          start += count
        }
        guard picks.count == ranges.count else { continue }
        var choices: [CostVector] = [.zero]
        for pick in picks {
          choices = choices.flatMap { c in
            floors[pick.stage][pick.range].map {
              CostVector(time: max(c.time, $0.time), memory: max(c.memory, $0.memory))
            }
          }
        }
        reached += choices
        for choice in choices {
          #expect(corners.all.contains { $0.time <= choice.time && $0.memory <= choice.memory })
          for pick in picks {
            let range = ranges[pick.stage][pick.range]
            let through = corners.through(
              stage: pick.stage, start: range.start, end: range.end,
              floor: floors[pick.stage][pick.range])
            #expect(through.contains { $0.time <= choice.time && $0.memory <= choice.memory })
          }
        }
      }
      // Small instances are not coarsened: every corner is reached by a choice.
      for corner in corners.all {
        #expect(reached.contains { $0.time <= corner.time && $0.memory <= corner.memory })
      }
    }
  }
}
