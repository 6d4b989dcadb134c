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

  /// How many splits ``splits(near:window:)`` lists for `seed` and `window`,
  /// counted without listing them (a sum over cut positions, saturating at
  /// `Int.max`): deep pipelines can have `(2 · window + 1)^(stages − 1)`.
  static func splitCount(near seed: [Int], window: Int) -> Int {
    let layers = seed.reduce(0, +)
    guard !seed.isEmpty, seed.allSatisfy({ $0 >= 1 }), window >= 0 else { return 0 }
    var cuts: [Int] = []
    var total = 0
    for count in seed.dropLast() {
      total += count
      cuts.append(total)
    }
    // ways[c]: the ways to place the cuts so far with the last one at layer c.
    var ways = [Int](repeating: 0, count: layers + 1)
    ways[0] = 1
    for (stage, cut) in cuts.enumerated() {
      var next = [Int](repeating: 0, count: layers + 1)
      let low = max(1, cut - window)
      let high = min(layers - (cuts.count - stage), cut + window)
      if low <= high {
        for position in low...high {
          var sum = 0
          for previous in 0..<position where ways[previous] > 0 {
            let (added, overflow) = sum.addingReportingOverflow(ways[previous])
            sum = overflow ? Int.max : added
          }
          next[position] = sum
        }
      }
      ways = next
    }
    var count = 0
    for position in 0..<layers where ways[position] > 0 {
      let (added, overflow) = count.addingReportingOverflow(ways[position])
      count = overflow ? Int.max : added
    }
    return count
  }

  /// The splits of `seed`'s layers into as many stages whose every cut lies
  /// within `window` layers of `seed`'s (``cutDistance(_:_:)`` at most
  /// `window`), in lexicographic order: at most `(2 · window + 1)^(stages − 1)`.
  static func splits(near seed: [Int], window: Int) -> [[Int]] {
    let layers = seed.reduce(0, +)
    guard !seed.isEmpty, seed.allSatisfy({ $0 >= 1 }), window >= 0 else { return [] }
    var cuts: [Int] = []
    var total = 0
    for count in seed.dropLast() {
      total += count
      cuts.append(total)
    }
    var result: [[Int]] = []
    var current: [Int] = []
    func visit(_ stage: Int, _ previous: Int) {
      guard stage < cuts.count else {
        if layers - previous >= 1 { result.append(current + [layers - previous]) }
        return
      }
      let low = max(previous + 1, cuts[stage] - window)
      let high = min(layers - (cuts.count - stage), cuts[stage] + window)
      guard low <= high else { return }
      for cut in low...high {
        current.append(cut - previous)
        visit(stage + 1, cut)
        current.removeLast()
      }
    }
    visit(0, 0)
    return result
  }
}
