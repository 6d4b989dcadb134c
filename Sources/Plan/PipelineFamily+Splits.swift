import TensorOptCost

extension PipelineFamily {
  /// The family with `split` as its layers per stage (same depth).
  func with(split: [Int]) -> PipelineFamily {
    var family = self
    family.stageLayers = split
    return family
  }

  /// The family's outer choices without its split (its layers per stage all
  /// zero, keeping the depth): what families differing only in their split share.
  var withoutSplit: PipelineFamily {
    with(split: Array(repeating: 0, count: stages))
  }

  /// Every split of `layers` layers into `stages` contiguous non-empty ranges,
  /// as layers per stage, in lexicographic order (`C(layers − 1, stages − 1)` of them).
  static func splits(layers: Int, stages: Int) -> [[Int]] {
    guard stages >= 1, layers >= stages else { return [] }
    var result: [[Int]] = []
    var current: [Int] = []
    func visit(_ left: Int, _ stagesLeft: Int) {
      if stagesLeft == 1 {
        result.append(current + [left])
        return
      }
      for count in 1...(left - stagesLeft + 1) {
        current.append(count)
        visit(left - count, stagesLeft - 1)
        current.removeLast()
      }
    }
    visit(layers, stages)
    return result
  }

  /// The largest distance, in layers, between the cuts of two splits of the
  /// same depth: `max_s |c_s − c'_s|` over the cumulative layer counts.
  static func cutDistance(_ a: [Int], _ b: [Int]) -> Int {
    var (x, y, distance) = (0, 0, 0)
    for (u, v) in zip(a, b) {
      x += u
      y += v
      distance = max(distance, abs(x - y))
    }
    return distance
  }
}
