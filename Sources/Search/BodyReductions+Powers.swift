import Synchronization
import TensorOptCost

/// The compositions of block bodies' bounded powers, shared between the stage
/// problems holding those bodies (see ``BodyReductions/boundedPower(_:bound:rest:)``).
///
/// Every operand of a bounded power is named by how it was made from a body's
/// exact frontier matrix: pruned (named by the points an incumbent bound
/// dropped from it) or composed (its two operands and the offset of the right
/// one's traces). Names are interned, so two problems whose powers drop the
/// same points from the same operands reach the same names, and a composition,
/// a deterministic function of its operands and offset, is computed once while
/// it is kept: at most ``pointBudget`` points are kept, the oldest compositions
/// dropped first.
struct PowerMemo {
  /// How an operand was made.
  enum Derivation: Hashable {
    /// The exact frontier matrix of the body with this serial number.
    case body(Int)
    /// Operand `of` without the points marked in `dropped` (one bit per point,
    /// entries row-major, points in order).
    case pruned(of: Int, dropped: [UInt64])
    /// `left` composed with `right`, the right one's traces at repetition `offset`.
    case composed(left: Int, right: Int, offset: Int)
  }

  /// The name of each derivation seen.
  private var names: [Derivation: Int] = [:]
  /// The compositions kept, by name.
  private var compositions: [Int: FrontierMatrix] = [:]
  /// The names of the compositions kept, oldest first (from `oldest` on).
  private var order: [Int] = []
  private var oldest = 0
  /// The points of the compositions kept.
  private var points = 0

  /// The most points kept (about 100 bytes each with their traces).
  static let pointBudget = 1 << 19

  /// The largest span whose compositions are kept: larger ones are rarely
  /// reached twice (their operands have been pruned for other repetition
  /// counts) and hold the largest frontiers.
  static let largestSharedSpan = 4

  /// The name of `derivation`, a new one when first seen.
  mutating func name(of derivation: Derivation) -> Int {
    if let known = names[derivation] { return known }
    let name = names.count + 1
    names[derivation] = name
    return name
  }

  /// The composition named `name`, if kept.
  func composition(_ name: Int) -> FrontierMatrix? { compositions[name] }

  /// Keeps `matrix` as the composition named `name` (unless one is kept),
  /// dropping the oldest ones beyond the budget.
  mutating func keep(_ matrix: FrontierMatrix, as name: Int) {
    guard compositions[name] == nil else { return }
    compositions[name] = matrix
    order.append(name)
    points += matrix.pointCount
    while points > Self.pointBudget, oldest < order.count {
      if let dropped = compositions.removeValue(forKey: order[oldest]) {
        points -= dropped.pointCount
      }
      oldest += 1
    }
    if oldest > 1024, oldest * 2 > order.count {
      order.removeFirst(oldest)
      oldest = 0
    }
  }
}

/// The one ``PowerMemo`` of a ``BlockBodyMemo``, shared by its bodies.
final class PowerStore: Sendable {
  /// The memo.
  let memo = Mutex(PowerMemo())
}

extension FrontierMatrix {
  /// The number of points over every entry.
  var pointCount: Int { entries.reduce(0) { $0 + $1.count } }
}

extension BodyReductions {
  /// ``FrontierMatrix/power(_:bound:rest:)`` of this body's exact frontier
  /// matrix (its reduction with tolerance 0), the same matrix and count of
  /// dropped points, with the compositions of spans up to
  /// ``PowerMemo/largestSharedSpan`` taken from (or added to) ``powers``.
  ///
  /// The pruning of every operand is computed for this call (it depends on
  /// `count`, `rest` and `bound`); only a composition whose operands are the
  /// same matrices (same derivation names) is shared.
  func boundedPower(_ count: Int, bound: IncumbentBound, rest: CostVector) -> (
    matrix: FrontierMatrix, prunings: Int
  ) {
    let body = reduction(by: FrontierTracking()).matrix
    let least = body.floor
    var prunings = 0
    let result = FrontierMatrix.repeatedSquaring(
      count, base: (matrix: body, name: store.memo.withLock { $0.name(of: .body(serial)) }),
      compose: { left, right, offset, span in
        guard span <= PowerMemo.largestSharedSpan, left.name >= 0, right.name >= 0 else {
          return (left.matrix.composed(with: right.matrix) { .repetition(offset: offset, $0) }, -1)
        }
        let name = store.memo.withLock {
          $0.name(of: .composed(left: left.name, right: right.name, offset: offset))
        }
        if let known = store.memo.withLock({ $0.composition(name) }) { return (known, name) }
        let composed = left.matrix.composed(with: right.matrix) {
          .repetition(offset: offset, $0)
        }
        store.memo.withLock { $0.keep(composed, as: name) }
        return (composed, name)
      },
      filter: { operand, span in
        var completion = rest
        for _ in span..<count { completion += least }
        let (kept, dropped) = operand.matrix.pruned(by: bound, rest: completion)
        prunings += dropped
        guard dropped > 0, operand.name >= 0 else { return (kept, operand.name) }
        let mask = operand.matrix.droppedMask(by: bound, rest: completion)
        let name = store.memo.withLock { $0.name(of: .pruned(of: operand.name, dropped: mask)) }
        return (kept, name)
      })
    return (result.matrix, prunings)
  }
}

extension FrontierMatrix {
  /// One bit per point (entries row-major, points in order): whether
  /// ``pruned(by:rest:)`` drops it.
  func droppedMask(by bound: IncumbentBound, rest: CostVector) -> [UInt64] {
    var mask: [UInt64] = []
    var bit = 0
    for entry in entries {
      for point in entry.points {
        if bit % 64 == 0 { mask.append(0) }
        if bound.dominates(point.cost + rest) { mask[bit / 64] |= 1 << UInt64(bit % 64) }
        bit += 1
      }
    }
    return mask
  }
}
