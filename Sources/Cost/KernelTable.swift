import Foundation

/// Measured matrix-product times, interpolated to predict shapes not measured.
///
/// Interpolation runs on the logarithm of the achieved throughput over the
/// logarithms of `(m, n, k)`:
/// * when a precision's measurements form a full grid (every combination of
///   their distinct m, n and k values), trilinearly inside the grid;
/// * otherwise by inverse-distance weighting (power 2) of the eight nearest
///   measurements.
/// Coordinates outside the measured range are clamped to it (throughput is taken
/// from the nearest edge), and the time is the query's FLOPs over that throughput.
///
/// Each (precision, ``GEMMOperands``) pair is its own table; a query for operands
/// with no measurements of their own is answered from the plain products.
public struct KernelTable: Hashable, Sendable {
  /// The measurements, in any order.
  public let measurements: [GEMMMeasurement]
  private let grids: [Kind: Grid]
  private let scattered: [Kind: Scattered]

  /// The measurements one interpolation uses.
  struct Kind: Hashable, Sendable {
    var precision: ComputePrecision
    var operands: GEMMOperands
  }
  /// Interpolated throughputs already computed: the planner asks for the same
  /// few hundred shapes hundreds of thousands of times.
  private let memo = ThroughputMemo()

  struct Point: Hashable, Sendable {
    var x: SIMD3<Double>
    var logThroughput: Double
  }

  /// Measurements off a grid, with the box they span (queries are clamped to it).
  struct Scattered: Hashable, Sendable {
    var points: [Point]
    var lower: SIMD3<Double>
    var upper: SIMD3<Double>

    init(_ points: [Point]) {
      self.points = points
      lower = points.reduce(SIMD3(repeating: Double.infinity)) { pointwiseMin($0, $1.x) }
      upper = points.reduce(SIMD3(repeating: -Double.infinity)) { pointwiseMax($0, $1.x) }
    }
  }

  struct Grid: Hashable, Sendable {
    var axes: [[Double]]  // log2 of distinct m, n, k values, ascending
    var values: [Double]  // log throughput, index (i * nk + j) * nk2 + l

    func value(_ i: Int, _ j: Int, _ l: Int) -> Double {
      values[(i * axes[1].count + j) * axes[2].count + l]
    }
  }

  /// Creates a table; measurements with non-positive sizes or times are ignored.
  public init(_ measurements: [GEMMMeasurement]) {
    let valid = measurements.filter { $0.m > 0 && $0.n > 0 && $0.k > 0 && $0.seconds > 0 }
    self.measurements = valid
    var grids: [Kind: Grid] = [:]
    var scattered: [Kind: Scattered] = [:]
    for precision in ComputePrecision.allCases {
      for operands in GEMMOperands.allCases {
        let rows = valid.filter { $0.precision == precision && $0.operands == operands }
        guard !rows.isEmpty else { continue }
        let kind = Kind(precision: precision, operands: operands)
        scattered[kind] = Scattered(
          rows.map {
            Point(x: Self.coordinates($0.m, $0.n, $0.k), logThroughput: log($0.throughput))
          })
        if let grid = Self.grid(rows) { grids[kind] = grid }
      }
    }
    self.grids = grids
    self.scattered = scattered
  }

  /// The precisions the table has measurements for.
  public var precisions: Set<ComputePrecision> { Set(scattered.keys.map(\.precision)) }

  /// The measurements that answer for `operands` in `precision`: their own, or
  /// else the plain products'.
  func kind(_ precision: ComputePrecision, _ operands: GEMMOperands) -> Kind {
    let own = Kind(precision: precision, operands: operands)
    return scattered[own] != nil ? own : Kind(precision: precision, operands: .plain)
  }

  /// The predicted seconds of one `m×k · k×n` product reading its operands as
  /// `operands`, or `nil` when nothing was measured in `precision`.
  public func seconds(
    m: Int, n: Int, k: Int, precision: ComputePrecision, operands: GEMMOperands = .plain
  ) -> Double? {
    guard let throughput = throughput(m: m, n: n, k: k, precision: precision, operands: operands)
    else { return nil }
    return 2 * Double(m) * Double(n) * Double(k) / throughput
  }

  /// Whether the measurements that answer for `operands` in `precision` (their
  /// own, or the plain products' when `operands` has none) bracket this shape on
  /// every axis: they form a full grid (every combination of their distinct m,
  /// n and k values) and
  /// each extent lies between the grid's smallest and largest on its axis, so the
  /// prediction interpolates between measured products rather than extrapolating.
  public func brackets(
    m: Int, n: Int, k: Int, precision: ComputePrecision, operands: GEMMOperands = .plain
  ) -> Bool {
    guard m > 0, n > 0, k > 0 else { return false }
    return interpolation(m: m, n: n, k: k, precision: precision, operands: operands)?.bracketed
      ?? false
  }

  /// The predicted FLOP/s of a product of this shape.
  public func throughput(
    m: Int, n: Int, k: Int, precision: ComputePrecision, operands: GEMMOperands = .plain
  ) -> Double? {
    interpolation(m: m, n: n, k: k, precision: precision, operands: operands)?.throughput
  }

  /// One answer of the table: the interpolated throughput of a shape, and whether
  /// a full grid brackets it (``brackets(m:n:k:precision:operands:)``).
  struct Interpolation: Sendable {
    /// FLOP/s.
    var throughput: Double
    /// Whether a full grid brackets the shape on every axis.
    var bracketed: Bool
  }

  /// The throughput and bracketing of a product of this shape, memoised (extents
  /// below 1 count as 1), or `nil` when nothing was measured in `precision`.
  func interpolation(
    m: Int, n: Int, k: Int, precision: ComputePrecision, operands: GEMMOperands
  ) -> Interpolation? {
    let kind = kind(precision, operands)
    let key = ThroughputMemo.Key(m: m, n: n, k: k, kind: kind)
    if let known = memo[key] { return known }
    let x = Self.coordinates(max(m, 1), max(n, 1), max(k, 1))
    let value: Interpolation
    if let grid = grids[kind] {
      let inside = (0..<3).allSatisfy { axis in
        guard let low = grid.axes[axis].first, let high = grid.axes[axis].last else {
          return false
        }
        return x[axis] >= low && x[axis] <= high
      }
      value = Interpolation(throughput: exp(Self.trilinear(grid, x)), bracketed: inside)
    } else if let points = scattered[kind] {
      value = Interpolation(throughput: exp(Self.inverseDistance(points, x)), bracketed: false)
    } else {
      return nil
    }
    memo[key] = value
    return value
  }

  public static func == (lhs: Self, rhs: Self) -> Bool { lhs.measurements == rhs.measurements }

  public func hash(into hasher: inout Hasher) { hasher.combine(measurements) }

  static func coordinates(_ m: Int, _ n: Int, _ k: Int) -> SIMD3<Double> {
    SIMD3(log2(Double(m)), log2(Double(n)), log2(Double(k)))
  }

  static func grid(_ rows: [GEMMMeasurement]) -> Grid? {
    let ms = Set(rows.map(\.m)).sorted()
    let ns = Set(rows.map(\.n)).sorted()
    let ks = Set(rows.map(\.k)).sorted()
    guard ms.count >= 2, ns.count >= 2, ks.count >= 2 else { return nil }
    var lookup: [SIMD3<Int>: [Double]] = [:]
    for row in rows { lookup[SIMD3(row.m, row.n, row.k), default: []].append(log(row.throughput)) }
    var values: [Double] = []
    values.reserveCapacity(ms.count * ns.count * ks.count)
    for m in ms {
      for n in ns {
        for k in ks {
          guard let hits = lookup[SIMD3(m, n, k)] else { return nil }
          values.append(hits.reduce(0, +) / Double(hits.count))
        }
      }
    }
    let axes = [ms, ns, ks].map { $0.map { log2(Double($0)) } }
    return Grid(axes: axes, values: values)
  }

  /// The bracketing index and weight of `value` on a sorted axis (clamped).
  static func bracket(_ axis: [Double], _ value: Double) -> (Int, Double) {
    if value <= axis[0] { return (0, 0) }
    if value >= axis[axis.count - 1] { return (axis.count - 2, 1) }
    var low = 0
    while axis[low + 1] < value { low += 1 }
    return (low, (value - axis[low]) / (axis[low + 1] - axis[low]))
  }

  static func trilinear(_ grid: Grid, _ x: SIMD3<Double>) -> Double {
    let (i, u) = bracket(grid.axes[0], x[0])
    let (j, v) = bracket(grid.axes[1], x[1])
    let (l, w) = bracket(grid.axes[2], x[2])
    var result = 0.0
    for (di, wi) in [(0, 1 - u), (1, u)] {
      for (dj, wj) in [(0, 1 - v), (1, v)] {
        for (dl, wl) in [(0, 1 - w), (1, w)] where wi * wj * wl > 0 {
          result += wi * wj * wl * grid.value(i + di, j + dj, l + dl)
        }
      }
    }
    return result
  }

  static func inverseDistance(_ table: Scattered, _ x: SIMD3<Double>) -> Double {
    let points = table.points
    let clamped = pointwiseMin(pointwiseMax(x, table.lower), table.upper)
    // The eight nearest by (distance, position): what a stable sort's prefix
    // gives, found in one pass without allocating (this runs for every kernel
    // the planner costs).
    var distances = SIMD8<Double>(repeating: .infinity)
    var values = SIMD8<Double>(repeating: 0)
    var count = 0
    for point in points {
      let d = point.x - clamped
      let distance = (d * d).sum()
      if count == 8, distance >= distances[7] { continue }
      var slot = min(count, 7)
      while slot > 0, distances[slot - 1] > distance {
        distances[slot] = distances[slot - 1]
        values[slot] = values[slot - 1]
        slot -= 1
      }
      distances[slot] = distance
      values[slot] = point.logThroughput
      count = min(count + 1, 8)
    }
    if count > 0, distances[0] < 1e-12 { return values[0] }
    var total = 0.0
    var weights = 0.0
    for index in 0..<count {
      total += values[index] / distances[index]
      weights += 1 / distances[index]
    }
    return total / weights
  }
}

/// A thread-safe memo of interpolations, shared by copies of one
/// ``KernelTable`` (a pure function of the table, so sharing cannot change a
/// result). Bounded: it is cleared when it reaches ``capacity`` entries.
final class ThroughputMemo: @unchecked Sendable {
  struct Key: Hashable {
    var m: Int
    var n: Int
    var k: Int
    var kind: KernelTable.Kind
  }

  static let capacity = 1 << 16
  private let lock = NSLock()
  private var values: [Key: KernelTable.Interpolation] = [:]

  subscript(key: Key) -> KernelTable.Interpolation? {
    get { lock.withLock { values[key] } }
    set {
      lock.withLock {
        if values.count >= Self.capacity { values.removeAll(keepingCapacity: true) }
        values[key] = newValue
      }
    }
  }
}
