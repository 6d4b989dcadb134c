/// What one pipeline stage costs under one of its candidate strategies: its
/// time per micro-batch slot, its once-per-iteration tail and its peak memory.
struct StageCost: Hashable, Sendable {
  /// Seconds per micro-batch (compute, exposed gathers, re-layouts).
  var work: Double
  /// Seconds once per iteration (exposed gradient synchronisation, optimizer
  /// step, tied-gradient all-reduce).
  var tail: Double
  /// Peak bytes per device (states, activations in flight, workspace).
  var memory: Double
}

/// The exact Pareto set of pipelines made of one candidate per stage.
///
/// A pipeline of `p` stages running `m` micro-batches takes, as
/// `StrategyEvaluator` forms it, `slots · (max_s work_s + transfer) + max_s tail_s`
/// (`slots = m + p − 1`, `transfer` the point-to-point time per micro-batch) and
/// `max_s memory_s` per device. Both grow with each of the three maxima, so a
/// pipeline is dominated by one whose three maxima are no larger. The sweep
/// visits every memory bound `M` (a candidate's memory) and, in increasing
/// order, every work bound `W` (a candidate's work among those within `M`), and
/// takes per stage the candidate of least tail within both bounds: for any
/// choice, the step at its own maxima yields a choice no worse in all three.
enum PipelineCombination {
  /// One pipeline: a candidate index per stage, with its cost.
  struct Choice: Hashable, Sendable {
    /// The candidate of each stage.
    var picks: [Int]
    /// Seconds per iteration.
    var time: Double
    /// Peak bytes per device on the worst stage.
    var memory: Double
  }

  /// The iteration time and peak memory of one candidate per stage.
  static func cost(
    of picks: [Int], in stages: [[StageCost]], slots: Double, transfer: Double
  ) -> (time: Double, memory: Double) {
    var work = 0.0
    var tail = 0.0
    var memory = 0.0
    for (stage, pick) in picks.enumerated() {
      let candidate = stages[stage][pick]
      work = max(work, candidate.work)
      tail = max(tail, candidate.tail)
      memory = max(memory, candidate.memory)
    }
    return (slots * (work + transfer) + tail, memory)
  }

  /// The non-dominated pipelines, by increasing time (equal costs: the first
  /// found), or none when a stage has no candidate.
  static func frontier(_ stages: [[StageCost]], slots: Double, transfer: Double) -> [Choice] {
    guard !stages.isEmpty, stages.allSatisfy({ !$0.isEmpty }) else { return [] }
    let memories = Set(stages.joined().map(\.memory)).sorted()
    // Every (stage, candidate), by increasing work.
    var order: [(stage: Int, index: Int)] = []
    for (stage, candidates) in stages.enumerated() {
      for index in candidates.indices { order.append((stage, index)) }
    }
    order.sort { a, b in
      let (x, y) = (stages[a.stage][a.index].work, stages[b.stage][b.index].work)
      return x != y ? x < y : (a.stage, a.index) < (b.stage, b.index)
    }
    var found: [Choice] = []
    var seen: Set<[Int]> = []
    for bound in memories {
      var best = [Int?](repeating: nil, count: stages.count)
      var position = 0
      while position < order.count {
        let work = stages[order[position].stage][order[position].index].work
        // Admit every candidate of this work within the memory bound.
        while position < order.count,
          stages[order[position].stage][order[position].index].work == work
        {
          let (stage, index) = order[position]
          position += 1
          let candidate = stages[stage][index]
          guard candidate.memory <= bound else { continue }
          if let current = best[stage], stages[stage][current].tail <= candidate.tail { continue }
          best[stage] = index
        }
        let picks = best.compactMap { $0 }
        guard picks.count == stages.count, seen.insert(picks).inserted else { continue }
        let (time, memory) = cost(of: picks, in: stages, slots: slots, transfer: transfer)
        found.append(Choice(picks: picks, time: time, memory: memory))
      }
    }
    return nonDominated(found)
  }

  /// The choices no other beats in both objectives (weakly in one), by time;
  /// of equal costs the first stays.
  static func nonDominated(_ choices: [Choice]) -> [Choice] {
    ParetoSet.indices(Array(choices.indices)) { (choices[$0].time, choices[$0].memory) }.map {
      choices[$0]
    }
  }

  /// The indices of the candidates no other one matches or beats in all of
  /// work, tail and memory (of equal ones the first), in increasing order: a
  /// pipeline through a dropped candidate is never better than the same
  /// pipeline through the one that beats it.
  static func undominated(_ candidates: [StageCost]) -> [Int] {
    let order = candidates.indices.sorted { a, b in
      let (x, y) = (candidates[a], candidates[b])
      return (x.work, x.tail, x.memory, a) < (y.work, y.tail, y.memory, b)
    }
    var kept: [Int] = []
    for index in order {
      let c = candidates[index]
      let beaten = kept.contains {
        candidates[$0].tail <= c.tail && candidates[$0].memory <= c.memory
      }
      if !beaten { kept.append(index) }
    }
    return kept.sorted()
  }
}
