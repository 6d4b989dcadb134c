/// A frontier for every pair (row configuration, column configuration): the
/// reduced form of a sub-graph between two nodes, e.g. an edge or a block.
public struct FrontierMatrix: Sendable {
  /// The number of configurations of the row node.
  public let rows: Int
  /// The number of configurations of the column node.
  public let columns: Int
  /// The entries, row-major.
  public private(set) var entries: [Frontier]

  /// A matrix of `rows × columns` copies of `value`.
  public init(rows: Int, columns: Int, repeating value: Frontier = .empty) {
    self.rows = rows
    self.columns = columns
    self.entries = Array(repeating: value, count: rows * columns)
  }

  /// A matrix whose entry `(i, j)` is `entry(i, j)`.
  public init(rows: Int, columns: Int, entry: (Int, Int) -> Frontier) {
    self.rows = rows
    self.columns = columns
    var entries: [Frontier] = []
    entries.reserveCapacity(rows * columns)
    for i in 0..<rows {
      for j in 0..<columns { entries.append(entry(i, j)) }
    }
    self.entries = entries
  }

  /// The frontier for row configuration `row` and column configuration `column`.
  public subscript(row: Int, column: Int) -> Frontier {
    get { entries[row * columns + column] }
    set { entries[row * columns + column] = newValue }
  }

  /// The matrix seen from the column node.
  public var transposed: FrontierMatrix {
    FrontierMatrix(rows: columns, columns: rows) { self[$1, $0] }
  }

  /// Entry-wise Minkowski sum (two parallel edges become one).
  public func adding(_ other: FrontierMatrix) -> FrontierMatrix {
    precondition(
      rows == other.rows && columns == other.columns, "parallel edges join the same nodes")
    return FrontierMatrix(rows: rows, columns: columns) { self[$0, $1].minkowskiSum(other[$0, $1]) }
  }

  /// Every entry thinned against an error budget (see
  /// ``Frontier/thinned(budget:remaining:)``).
  public func thinned(budget: Double, remaining: Int) -> FrontierMatrix {
    guard budget > 0 else { return self }
    var result = self
    result.entries = entries.map { $0.thinned(budget: budget, remaining: remaining) }
    return result
  }

  /// The largest entry's size.
  public var maximumFrontierSize: Int { entries.map(\.count).max() ?? 0 }

  /// The "min-plus" product over the shared middle node: entry `(i, j)` is the
  /// frontier of `⋃ₖ self[i, k] ⊕ other[k, j]`, the second operand's traces
  /// passed through `transform` (e.g. to shift their repetition index), once
  /// per point of each entry used, shared by every sum kept with it.
  ///
  /// Middle configurations that cannot matter are skipped (exactly): `k` is
  /// skipped when another `k′` has, entry-wise, a column `self[·, k′]` and a row
  /// `other[k′, ·]` that weakly dominate `k`'s (ties keep the lower index), since
  /// every path through `k` then has a path through `k′` at most as costly.
  /// The same test is then made per entry `(i, j)` on `self[i, ·]` and
  /// `other[·, j]` alone, from cover tables built once per composition.
  public func composed(
    with other: FrontierMatrix, transform: (StrategyTrace) -> StrategyTrace = { $0 }
  ) -> FrontierMatrix {
    precondition(columns == other.rows, "composition needs a shared middle node")
    let middle = usefulMiddles(before: other)
    // covers[i][a][b]: self[i, middle[b]] is covered by self[i, middle[a]];
    // coveredRight likewise for the columns of `other`.
    let n = middle.count
    let coversLeft = (0..<rows).map { i in
      coverTable(n) { a, b in self[i, middle[b]].isCovered(by: self[i, middle[a]]) }
    }
    let coversRight = (0..<other.columns).map { j in
      coverTable(n) { a, b in other[middle[b], j].isCovered(by: other[middle[a], j]) }
    }
    // Which points of self[i, middle[b]] a point of self[i, middle[a]] strictly
    // dominates (at (i * n + a) * n + b), and likewise for the columns of
    // `other`: computed when first asked for.
    var leftMasks = [[Bool]?](repeating: nil, count: rows * n * n)
    var rightMasks = [[Bool]?](repeating: nil, count: other.columns * n * n)
    func leftMask(_ i: Int, _ a: Int, _ b: Int) -> [Bool] {
      let index = (i * n + a) * n + b
      if let mask = leftMasks[index] { return mask }
      let mask = self[i, middle[b]].strictlyDominatedPoints(by: self[i, middle[a]])
      leftMasks[index] = mask
      return mask
    }
    func rightMask(_ j: Int, _ a: Int, _ b: Int) -> [Bool] {
      let index = (j * n + a) * n + b
      if let mask = rightMasks[index] { return mask }
      let mask = other[middle[b], j].strictlyDominatedPoints(by: other[middle[a], j])
      rightMasks[index] = mask
      return mask
    }
    // The right operands with `transform` applied to their traces, once per
    // entry used (its points are shared by every sum kept), on first use.
    var transformedRight = [Frontier?](repeating: nil, count: n * other.columns)
    func rightOperand(_ b: Int, _ j: Int) -> Frontier {
      let index = b * other.columns + j
      if let frontier = transformedRight[index] { return frontier }
      let frontier = other[middle[b], j].mapTraces(transform)
      transformedRight[index] = frontier
      return frontier
    }
    // The live middles and the pairs of one entry, their storage reused from
    // entry to entry.
    var live: [Int] = []
    var pairs: [(Frontier, Frontier)] = []
    return FrontierMatrix(rows: rows, columns: other.columns) { i, j in
      live.removeAll(keepingCapacity: true)
      for k in 0..<n where !self[i, middle[k]].isEmpty && !other[middle[k], j].isEmpty {
        live.append(k)
      }
      pairs.removeAll(keepingCapacity: true)
      for b in live {
        // Skip b when another live middle a is at least as good on both sides
        // for this entry (ties keep the lower index).
        let dominated = live.contains { a in
          a != b && coversLeft[i][a * n + b] && coversRight[j][a * n + b]
            && (a < b || !(coversLeft[i][b * n + a] && coversRight[j][b * n + a]))
        }
        guard !dominated else { continue }
        // Points of self[i, b] strictly dominated by self[i, a], for an a whose
        // right operand covers b's, have every sum strictly dominated; and
        // symmetrically for the right operand.
        let lhs = self[i, middle[b]].removing(
          live.lazy.filter { $0 != b && coversRight[j][$0 * n + b] }.map { leftMask(i, $0, b) })
        let rhs = rightOperand(b, j).removing(
          live.lazy.filter { $0 != b && coversLeft[i][$0 * n + b] }.map { rightMask(j, $0, b) })
        if !lhs.isEmpty && !rhs.isEmpty { pairs.append((lhs, rhs)) }
      }
      var entry = Frontier.unionOfSums(pairs)
      // A skipped middle's paths are covered by a kept one's computed points,
      // within the error of its own operands.
      for k in 0..<columns {
        entry.logError = max(entry.logError, self[i, k].logError, other[k, j].logError)
      }
      return entry
    }
  }

  /// A row-major `n × n` table of `covers(a, b)`, with `true` on the diagonal.
  private func coverTable(_ n: Int, _ covers: (Int, Int) -> Bool) -> [Bool] {
    var table = [Bool](repeating: true, count: n * n)
    for a in 0..<n {
      for b in 0..<n where a != b { table[a * n + b] = covers(a, b) }
    }
    return table
  }

  /// The middle configurations of `self · other` not dominated by another one.
  func usefulMiddles(before other: FrontierMatrix) -> [Int] {
    let count = columns
    func dominates(_ better: Int, _ worse: Int) -> Bool {
      for i in 0..<rows where !self[i, worse].isCovered(by: self[i, better]) { return false }
      for j in 0..<other.columns where !other[worse, j].isCovered(by: other[better, j]) {
        return false
      }
      return true
    }
    var dominance = [[Bool]](repeating: [Bool](repeating: false, count: count), count: count)
    for a in 0..<count {
      for b in 0..<count where a != b { dominance[a][b] = dominates(a, b) }
    }
    return (0..<count).filter { k in
      !(0..<count).contains { k2 in k2 != k && dominance[k2][k] && (!dominance[k][k2] || k2 < k) }
    }
  }
}

extension Frontier {
  /// Per point of `self`, whether a point of `other` strictly dominates it (at
  /// least as good in both objectives, better in one).
  func strictlyDominatedPoints(by other: Frontier) -> [Bool] {
    var result = [Bool](repeating: false, count: count)
    var index = -1
    for (position, point) in points.enumerated() {
      // The leanest point of `other` no slower than `point`.
      while index + 1 < other.points.count, other.points[index + 1].cost.time <= point.cost.time {
        index += 1
      }
      guard index >= 0 else { continue }
      let best = other.points[index].cost
      result[position] =
        best.memory < point.cost.memory
        || (best.memory == point.cost.memory && best.time < point.cost.time)
    }
    return result
  }

  /// `self` without the points marked in any of `masks` (one flag per point).
  func removing(_ masks: some Sequence<[Bool]>) -> Frontier {
    var drop: [Bool]?
    for mask in masks where mask.contains(true) {
      if drop == nil {
        drop = mask
      } else {
        for index in mask.indices where mask[index] { drop![index] = true }
      }
    }
    guard let drop else { return self }
    var kept: [FrontierPoint] = []
    kept.reserveCapacity(points.count)
    for index in points.indices where !drop[index] { kept.append(points[index]) }
    var result = Frontier(uncheckedPoints: kept)
    result.logError = logError
    return result
  }

  /// Whether every point of `self` is weakly dominated by a point of `other`.
  func isCovered(by other: Frontier) -> Bool {
    var index = 0
    for point in points {
      // The leanest point of `other` no slower than `point` (memory falls with time).
      while index + 1 < other.points.count, other.points[index + 1].cost.time <= point.cost.time {
        index += 1
      }
      guard index < other.points.count, other.points[index].cost.time <= point.cost.time,
        other.points[index].cost.memory <= point.cost.memory
      else { return false }
    }
    return true
  }
}
