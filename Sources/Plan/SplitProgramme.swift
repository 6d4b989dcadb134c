/// The exact Pareto set of pipelines over every split of a model's layers into
/// contiguous stage ranges, by a frontier-valued dynamic programme over
/// (stages used, layers placed).
///
/// A pipeline picks, per stage `s`, a range `[a_s, a_{s+1})` and one of that
/// range's candidates; as ``PipelineCombination`` forms it, it takes
/// `slots · (max_s work_s + max_c transfer_c) + max_s tail_s` per iteration
/// and `max_s memory_s` per device, `transfer_c` the time per micro-batch of
/// the activation crossing cut `c`. Both objectives grow with each of the four
/// maxima, and a maximum of dominated values is dominated, so keeping, per
/// state (stages used, layers placed), the 4-D Pareto set of (work, tail,
/// memory, transfer) over the partial pipelines reaching it is exact: every
/// pipeline of the final (time, memory) frontier extends a kept partial
/// pipeline (or one with equal maxima found first).
///
/// With a `staircase`, a partial pipeline whose cost so far is already strictly
/// beaten in both objectives by one of its points is dropped (branch and
/// bound: later stages only raise the maxima).
enum SplitProgramme {
  /// One stage's options: per range (`start`, `end` in layers), the costs of
  /// its candidates.
  struct Stage {
    var ranges: [(start: Int, end: Int)]
    var costs: [[StageCost]]
    /// Per range, whether it marks a split as admitted (see
    /// ``frontier(_:layers:slots:transfer:staircase:)``); `nil`: every range does.
    var marks: [Bool]? = nil
  }

  /// One pipeline of the frontier.
  struct Pipeline {
    /// Per stage, its range's index and the candidate's index in it.
    var picks: [(range: Int, candidate: Int)]
    /// Seconds per iteration.
    var time: Double
    /// Peak bytes per device.
    var memory: Double
    /// The slowest cut's transfer per micro-batch.
    var transfer: Double
  }

  /// A partial pipeline: its maxima and how it was reached.
  private struct Partial {
    var work: Double
    var tail: Double
    var memory: Double
    var transfer: Double
    /// Whether one of its ranges is marked.
    var marked: Bool
    /// The partial pipeline it extends (in the previous stage's state at this
    /// range's start), or -1 on stage 0.
    var parent: Int
    var range: Int
    var candidate: Int
  }

  /// The non-dominated pipelines of `stages` over `layers` layers, by
  /// increasing time (equal costs: the first found), `transfer(s, c)` being the
  /// transfer per micro-batch of the activation crossing cut `c` after stage `s`.
  ///
  /// Only splits with a marked range are admitted (``Stage/marks``): a partial
  /// pipeline carries whether it has one, and a marked one beats an unmarked
  /// one with no larger maxima, never the reverse.
  static func frontier(
    _ stages: [Stage], layers: Int, slots: Double, transfer: (Int, Int) -> Double,
    staircase: Staircase? = nil
  ) -> [Pipeline] {
    guard !stages.isEmpty else { return [] }
    let p = stages.count
    // states[s][c]: partial pipelines of stages 0...s whose stage s ends at c.
    var states: [[[Partial]]] = []
    for (s, stage) in stages.enumerated() {
      var byEnd = [[Partial]](repeating: [], count: layers + 1)
      for (index, range) in stage.ranges.enumerated() {
        let costs = stage.costs[index]
        guard !costs.isEmpty else { continue }
        if s == 0 {
          guard range.start == 0 else { continue }
          for (candidate, cost) in costs.enumerated() {
            byEnd[range.end].append(
              Partial(
                work: cost.work, tail: cost.tail, memory: cost.memory, transfer: 0,
                marked: stage.marks?[index] ?? true, parent: -1, range: index,
                candidate: candidate))
          }
          continue
        }
        let previous = states[s - 1][range.start]
        guard !previous.isEmpty else { continue }
        let crossing = transfer(s - 1, range.start)
        for (parent, partial) in previous.enumerated() {
          for (candidate, cost) in costs.enumerated() {
            byEnd[range.end].append(
              Partial(
                work: max(partial.work, cost.work), tail: max(partial.tail, cost.tail),
                memory: max(partial.memory, cost.memory),
                transfer: max(partial.transfer, crossing),
                marked: partial.marked || (stage.marks?[index] ?? true), parent: parent,
                range: index, candidate: candidate))
          }
        }
      }
      // Only the last stage may end at the last layer, and only there.
      states.append(
        byEnd.enumerated().map { end, partials in
          guard (s == p - 1) == (end == layers) else { return [] }
          return undominated(partials, slots: slots, staircase: staircase)
        })
    }
    let finals = states[p - 1][layers].filter(\.marked)
    var pipelines: [Pipeline] = []
    for final in finals {
      var picks: [(range: Int, candidate: Int)] = [(final.range, final.candidate)]
      var (s, at, position) = (p - 2, stages[p - 1].ranges[final.range].start, final.parent)
      while s >= 0 {
        let partial = states[s][at][position]
        picks.append((partial.range, partial.candidate))
        at = stages[s].ranges[partial.range].start
        position = partial.parent
        s -= 1
      }
      pipelines.append(
        Pipeline(
          picks: picks.reversed(), time: slots * (final.work + final.transfer) + final.tail,
          memory: final.memory, transfer: final.transfer))
    }
    let kept = ParetoSet.indices(Array(pipelines.indices)) {
      (pipelines[$0].time, pipelines[$0].memory)
    }
    return kept.map { pipelines[$0] }
  }

  /// The partial pipelines no other one matches or beats in all four maxima
  /// while marked if they are (of equal ones the first), in their order, less
  /// those `staircase` beats.
  private static func undominated(_ partials: [Partial], slots: Double, staircase: Staircase?)
    -> [Partial]
  {
    let order = partials.indices.sorted { a, b in
      let (x, y) = (partials[a], partials[b])
      return (x.work, x.tail, x.memory, x.transfer, a) < (y.work, y.tail, y.memory, y.transfer, b)
    }
    // Per transfer value, the (tail, memory) staircases of those kept so far
    // (all of no more work than the one tested), all and marked.
    var transfers: [Double] = []
    var stairs: [(all: TailMemoryStairs, marked: TailMemoryStairs)] = []
    var kept: [Int] = []
    for index in order {
      let partial = partials[index]
      if let staircase,
        staircase.dominates(
          time: slots * (partial.work + partial.transfer) + partial.tail, memory: partial.memory)
      {
        continue
      }
      var beaten = false
      for (position, value) in transfers.enumerated() where value <= partial.transfer {
        let kept = partial.marked ? stairs[position].marked : stairs[position].all
        if kept.covers(tail: partial.tail, memory: partial.memory) {
          beaten = true
          break
        }
      }
      if beaten { continue }
      let position =
        transfers.firstIndex(of: partial.transfer)
        ?? {
          transfers.append(partial.transfer)
          stairs.append((TailMemoryStairs(), TailMemoryStairs()))
          return transfers.count - 1
        }()
      if !stairs[position].all.covers(tail: partial.tail, memory: partial.memory) {
        stairs[position].all.insert(tail: partial.tail, memory: partial.memory)
      }
      if partial.marked {
        stairs[position].marked.insert(tail: partial.tail, memory: partial.memory)
      }
      kept.append(index)
    }
    return kept.sorted().map { partials[$0] }
  }

  /// A 2-D staircase: the (tail, memory) pairs no other one beats, by
  /// increasing tail and decreasing memory.
  private struct TailMemoryStairs {
    var tails: [Double] = []
    var memories: [Double] = []

    /// Whether a pair with no more tail and no more memory is held.
    func covers(tail: Double, memory: Double) -> Bool {
      // The last pair with tail ≤ `tail` has the least memory of those.
      var (low, high) = (0, tails.count)
      while low < high {
        let middle = (low + high) / 2
        if tails[middle] <= tail { low = middle + 1 } else { high = middle }
      }
      return low > 0 && memories[low - 1] <= memory
    }

    /// Adds a pair not covered, dropping those it covers.
    mutating func insert(tail: Double, memory: Double) {
      var (low, high) = (0, tails.count)
      while low < high {
        let middle = (low + high) / 2
        if tails[middle] < tail { low = middle + 1 } else { high = middle }
      }
      var end = low
      while end < tails.count, memories[end] >= memory { end += 1 }
      tails.replaceSubrange(low..<end, with: [tail])
      memories.replaceSubrange(low..<end, with: [memory])
    }
  }
}
