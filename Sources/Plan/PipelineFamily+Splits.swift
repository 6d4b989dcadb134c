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

  /// How many splits ``splits(layers:stages:)`` lists: `C(layers − 1, stages − 1)`,
  /// or `Int.max` when that does not fit.
  static func splitCount(layers: Int, stages: Int) -> Int {
    guard stages >= 1, layers >= stages else { return 0 }
    let (n, k) = (layers - 1, min(stages - 1, layers - stages))
    var count = 1
    for i in 0..<k {
      // count · (n − i) / (i + 1) stays an integer (a binomial coefficient).
      let (product, overflow) = count.multipliedReportingOverflow(by: n - i)
      if overflow { return Int.max }
      count = product / (i + 1)
    }
    return count
  }
}
