import TensorOptCost

extension FloorFrontier {
  /// Lower bounds on the pipelines of every split, from lower bounds on each
  /// stage's ranges, by the same programme over (stages used, layers placed)
  /// as ``SplitProgramme``, in two objectives.
  ///
  /// A pipeline of one point per stage is weakly dominated by the corner
  /// `(max_s time_s, max_s memory_s)` of its stages' bounding points; the
  /// corners of a prefix of stages combine with the next stage's bound as two
  /// stages do (``corners(_:)``), so each state's frontier of corners bounds
  /// every partial pipeline reaching it. States are coarsened
  /// (``coarsened(_:limit:)``), which keeps them lower bounds.
  struct SplitCorners {
    /// `prefix[s][c]`: corners of stages `0...s` with stage `s` ending at layer `c`.
    var prefix: [[[CostVector]]]
    /// `suffix[s][c]`: corners of stages `s..<p` with stage `s` starting at layer `c`.
    var suffix: [[[CostVector]]]
    /// The layers.
    var layers: Int

    /// The corners of every split (empty when no split has a point on every stage).
    var all: [CostVector] { prefix.last?[layers] ?? [] }

    /// The corners of every split giving stage `stage` the range `[start, end)`
    /// whose floor is `floor`.
    func through(stage: Int, start: Int, end: Int, floor: [CostVector]) -> [CostVector] {
      let before = stage == 0 ? (start == 0 ? [CostVector.zero] : []) : prefix[stage - 1][start]
      let after =
        stage == prefix.count - 1
        ? (end == layers ? [CostVector.zero] : []) : suffix[stage + 1][end]
      return FloorFrontier.corners([before, floor, after])
    }
  }

  /// The corners of every split, `floors[s][r]` bounding stage `s` on range
  /// `ranges[s][r]` (`start`, `end`); with `suffixes`, the suffix states too.
  static func splitCorners(
    ranges: [[(start: Int, end: Int)]], floors: [[[CostVector]]], layers: Int,
    suffixes: Bool = false
  ) -> SplitCorners {
    let p = ranges.count
    let empty = [[CostVector]](repeating: [], count: layers + 1)
    var prefix = [[[CostVector]]](repeating: empty, count: p)
    for s in 0..<p {
      var gathered = empty
      for (index, range) in ranges[s].enumerated() {
        let before =
          s == 0 ? (range.start == 0 ? [CostVector.zero] : []) : prefix[s - 1][range.start]
        guard !before.isEmpty else { continue }
        gathered[range.end] += corners([before, floors[s][index]])
      }
      prefix[s] = gathered.map { coarsened(pareto($0)) }
    }
    var suffix = [[[CostVector]]](repeating: empty, count: p)
    if suffixes {
      for s in stride(from: p - 1, through: 0, by: -1) {
        var gathered = empty
        for (index, range) in ranges[s].enumerated() {
          let after =
            s == p - 1 ? (range.end == layers ? [CostVector.zero] : []) : suffix[s + 1][range.end]
          guard !after.isEmpty else { continue }
          gathered[range.start] += corners([floors[s][index], after])
        }
        suffix[s] = gathered.map { coarsened(pareto($0)) }
      }
    }
    return SplitCorners(prefix: prefix, suffix: suffix, layers: layers)
  }
}
