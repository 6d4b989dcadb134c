import TensorOptCost

/// The Pareto-optimal partitions of a model's layers into `pp` contiguous
/// pipeline stages (interleave 1), by a frontier-valued dynamic programme over
/// (layers placed, stages used).
///
/// Stage `s` running layers `[a, b)` costs, per ``LayerCosts``: a time per
/// micro-batch `t_s`, a tail `a_s` (exposed gradient synchronisation and the
/// optimizer step) and a peak memory `m_s` = states + activations × in-flight(s)
/// + workspace. A partition's iteration time is `pipelineTime(max t_s) + max a_s`
/// and its memory `max m_s`, both increasing in the three maxima, so the partitions
/// on the (time, memory) frontier are among those whose (max t, max a, max m) is
/// Pareto-optimal; maxima of dominated triples stay dominated, so keeping a 3-D
/// frontier per state (stage, layers placed) is exact.
///
/// Ties (`tied_to`) must attach to the first or last layer (an embedding before
/// the blocks, a head after them): their stages are then 0 and `pp − 1` whatever
/// the partition.
struct StagePartitioner {
  /// One partition on the frontier.
  struct Point {
    var layers: [Int]
    var time: Double
    var memory: Double
  }

  private struct Entry {
    var time: Double
    var tail: Double
    var memory: Double
    var start: Int
    var previous: Int
  }

  let costs: LayerCosts

  /// What the partitioner needs for one schedule: prefix sums, per-stage extras
  /// of ties, in-flight counts.
  private struct Setup {
    var prefix: Prefix
    var extras: [StageTally?]
    var p2p: Double
    var inFlight: [Double]
  }

  /// The setup, or `nil` when the partitioner does not apply (one stage, fewer
  /// layers than stages, a tie in the middle of the model).
  private func setup(schedule: PipelineSchedule, microBatches m: Int) -> Setup? {
    let p = costs.stages
    let layers = costs.layers
    guard p > 1, layers >= p else { return nil }
    var tieStages: [(owner: Int, tied: Int)] = []
    for tie in costs.ties {
      func stage(_ before: Int) -> Int? {
        let attach = max(before - 1, 0)
        return attach == 0 ? 0 : attach == layers - 1 ? p - 1 : nil
      }
      guard let owner = stage(tie.ownerLayersBefore), let tied = stage(tie.tiedLayersBefore)
      else { return nil }
      tieStages.append((owner, tied))
    }
    // What ties add to the stages they touch: constant for any partition.
    var extras = [StageTally?](repeating: nil, count: p)
    for stage in Set(tieStages.flatMap { [$0.owner, $0.tied] }) {
      var bare = costs
      bare.units = costs.units.map { _ in [StageTally()] }
      extras[stage] = bare.tally(stage: stage, ranges: [0..<1], tieStages: tieStages)
    }
    return Setup(
      prefix: Prefix(costs), extras: extras, p2p: costs.p2p(interleave: 1),
      inFlight: (0..<p).map {
        schedule.inFlightMicroBatches(stage: $0, stages: p, microBatches: m)
      })
  }

  /// (time per micro-batch, tail, memory) of `stage` running `[start, end)` whose
  /// largest workspace is `workspace`.
  private func stageCost(
    _ setup: Setup, stage: Int, start: Int, end: Int, workspace: Double
  ) -> (time: Double, tail: Double, memory: Double) {
    let base = costs.placementOf[stage] * setup.prefix.stride
    let (a, b) = (base + start, base + end)
    var t = setup.prefix.time[b] - setup.prefix.time[a] + setup.p2p
    var tail = setup.prefix.tail[b] - setup.prefix.tail[a]
    var states = setup.prefix.states[b] - setup.prefix.states[a]
    var activations = setup.prefix.activations[b] - setup.prefix.activations[a]
    var w = workspace
    if let extra = setup.extras[stage] {
      t += extra.microBatchTime
      tail += extra.gradientSyncExposed + extra.optimizerStep
      states += extra.stateBytes
      activations += extra.activationBytes
      w = max(w, extra.workspaceBytes)
    }
    return (t, tail, states + activations * setup.inFlight[stage] + w)
  }

  /// A lower bound on (time, memory) of every partition under `schedule`, or
  /// `nil` when the partitioner does not apply. Stage costs grow with their
  /// ranges, stage 0 runs layer 0 and stage `pp − 1` the last layer, and the
  /// stages' sums are at least the layers' cheapest placements' sums.
  func lowerBound(schedule: PipelineSchedule, microBatches m: Int) -> (
    time: Double, memory: Double
  )? {
    guard let setup = setup(schedule: schedule, microBatches: m) else { return nil }
    let p = costs.stages
    let layers = costs.layers
    let first = stageCost(
      setup, stage: 0, start: 0, end: 1,
      workspace: setup.prefix.workspace[costs.placementOf[0] * layers])
    let last = stageCost(
      setup, stage: p - 1, start: layers - 1, end: layers,
      workspace: setup.prefix.workspace[costs.placementOf[p - 1] * layers + layers - 1])
    let fewest = setup.inFlight.min() ?? 1
    var time = 0.0
    var tail = 0.0
    var memory = 0.0
    for layer in 0..<layers {
      let units = costs.units.map { $0[layer] }
      time += units.map(\.microBatchTime).min() ?? 0
      tail += units.map { $0.gradientSyncExposed + $0.optimizerStep }.min() ?? 0
      memory += units.map { $0.stateBytes + $0.activationBytes * fewest }.min() ?? 0
    }
    let stageTime = max(time / Double(p) + setup.p2p, first.time, last.time)
    let stageTail = max(tail / Double(p), first.tail, last.tail)
    return (
      schedule.pipelineTime(stageTime: stageTime, stages: p, microBatches: m) + stageTail,
      max(memory / Double(p), first.memory, last.memory)
    )
  }

  /// The (time, memory)-Pareto-optimal partitions under `schedule` with `m`
  /// micro-batches, by increasing time; `nil` when the partitioner does not apply
  /// (one stage, fewer layers than stages, a tie in the middle of the model).
  /// With `incumbent`, partial partitions it dominates (their time and memory
  /// can only grow) are dropped, so partitions it dominates may be missing.
  func frontier(
    schedule: PipelineSchedule, microBatches m: Int, incumbent: Staircase? = nil
  ) -> [Point]? {
    guard let setup = setup(schedule: schedule, microBatches: m) else { return nil }
    let p = costs.stages
    let layers = costs.layers
    func hopeless(_ entry: Entry) -> Bool {
      guard let incumbent else { return false }
      return incumbent.dominates(
        time: schedule.pipelineTime(stageTime: entry.time, stages: p, microBatches: m)
          + entry.tail,
        memory: entry.memory)
    }
    // frontiers[s][b]: stages 0...s hold layers [0, b).
    var frontiers = [[[Entry]]](
      repeating: [[Entry]](repeating: [], count: layers + 1), count: p)
    for stage in 0..<p {
      let placement = costs.placementOf[stage]
      let workspaceBase = placement * layers
      let previous = stage > 0 ? frontiers[stage - 1] : []
      let ends = stage == p - 1 ? layers...layers : (stage + 1)...(layers - (p - 1 - stage))
      for end in ends {
        var candidates: [Entry] = []
        var workspace = 0.0
        let lowest = stage == 0 ? 0 : stage
        var start = end - 1
        while start >= lowest {
          workspace = max(workspace, setup.prefix.workspace[workspaceBase + start])
          if stage == 0, start > 0 {
            start -= 1
            continue
          }
          let cost = stageCost(setup, stage: stage, start: start, end: end, workspace: workspace)
          let alone = Entry(
            time: cost.time, tail: cost.tail, memory: cost.memory, start: start, previous: -1)
          // Longer ranges (smaller starts) only cost more: stop once this one is beaten.
          if hopeless(alone) { break }
          if stage == 0 {
            candidates.append(alone)
          } else {
            for (index, before) in previous[start].enumerated() {
              let entry = Entry(
                time: max(cost.time, before.time), tail: max(cost.tail, before.tail),
                memory: max(cost.memory, before.memory), start: start, previous: index)
              if !hopeless(entry) { candidates.append(entry) }
            }
          }
          start -= 1
        }
        frontiers[stage][end] = Self.pareto(candidates)
      }
    }
    // Final objectives, then the 2-D frontier, then the layers by back-pointers.
    let finals = frontiers[p - 1][layers].enumerated().map { index, entry in
      (
        index,
        schedule.pipelineTime(stageTime: entry.time, stages: p, microBatches: m) + entry.tail,
        entry.memory
      )
    }
    .sorted { ($0.1, $0.2, $0.0) < ($1.1, $1.2, $1.0) }
    var points: [Point] = []
    var best = Double.infinity
    for (index, time, memory) in finals where memory < best {
      best = memory
      var split: [Int] = []
      var end = layers
      var position = index
      for stage in stride(from: p - 1, through: 0, by: -1) {
        let entry = frontiers[stage][end][position]
        split.append(end - entry.start)
        end = entry.start
        position = entry.previous
      }
      points.append(Point(layers: split.reversed(), time: time, memory: memory))
    }
    return points
  }

  /// The non-dominated entries in (time, tail, memory), in a fixed order.
  private static func pareto(_ candidates: [Entry]) -> [Entry] {
    let sorted = candidates.sorted {
      ($0.time, $0.tail, $0.memory, $0.start, $0.previous)
        < ($1.time, $1.tail, $1.memory, $1.start, $1.previous)
    }
    var kept: [Entry] = []
    for entry in sorted
    where !kept.contains(where: { $0.tail <= entry.tail && $0.memory <= entry.memory }) {
      kept.append(entry)
    }
    return kept
  }

  /// Prefix sums of the layer units per placement, flat: index
  /// `placement · (layers + 1) + l` sums layers `[0, l)`.
  private struct Prefix {
    var stride: Int
    var time: [Double] = []
    var tail: [Double] = []
    var states: [Double] = []
    var activations: [Double] = []
    /// Per placement, per layer (`placement · layers + l`).
    var workspace: [Double] = []

    init(_ costs: LayerCosts) {
      stride = (costs.units.first?.count ?? 0) + 1
      for units in costs.units {
        var time = 0.0
        var tail = 0.0
        var states = 0.0
        var activations = 0.0
        self.time.append(0)
        self.tail.append(0)
        self.states.append(0)
        self.activations.append(0)
        for unit in units {
          time += unit.microBatchTime
          tail += unit.gradientSyncExposed + unit.optimizerStep
          states += unit.stateBytes
          activations += unit.activationBytes
          self.time.append(time)
          self.tail.append(tail)
          self.states.append(states)
          self.activations.append(activations)
          workspace.append(unit.workspaceBytes)
        }
      }
    }
  }
}
