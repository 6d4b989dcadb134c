import TensorOptCost
import TensorOptGraph

extension StagedOperatorSearch {
  /// Floor frontiers computed for the family bound, shared across the splits of
  /// a family and across families whose stages have equal options.
  struct FloorMemo {
    /// One operator (or block) of a stage under one stage cost model and floor kind.
    struct Key: Hashable, Sendable {
      /// The stage's cost model: its key without nodes, its tied partners only
      /// this operator's.
      var model: StageKey
      var name: String
      /// Whether a block's repetition floor searches its body.
      var searchingBody: Bool
    }

    /// A stage problem under one floor kind.
    struct StageFloorKey: Hashable, Sendable {
      var stage: StageKey
      var searchingBody: Bool
    }

    /// What the least transfer across one cut depends on: the stage mesh, the
    /// pipeline's depth and the stage before the cut (so the two stages' first
    /// devices), the crossing tensor's shape (its boundary layouts and how they
    /// divide it) and bytes, and the shapes of every cut's tensor (the wires tried).
    struct TransferKey: Hashable, Sendable {
      var mesh: DeviceMesh
      var stages: Int
      var stage: Int
      var shape: Shape
      var bytes: Double
      var wireShapes: Set<Shape>
    }

    /// Per cut: the least point-to-point transfer per micro-batch.
    var transfers: [TransferKey: Double] = [:]
    /// Per operator: the Pareto set of its configurations' node costs and
    /// their least workspace.
    var nodes: [Key: (costs: [CostVector], workspace: Double)] = [:]
    /// Per block: the floor of `r` repetitions at index `r − 1`, as far as computed.
    var powers: [Key: [[CostVector]]] = [:]
    /// Per stage problem: its floor.
    var stages: [StageFloorKey: [CostVector]] = [:]

    /// Per stage problem without its block's repetition count (``StageStem``):
    /// its top-level configuration graph and a floor of one repetition of its block.
    var stems: [StageStem: StemFloor] = [:]

    /// The floor of `count` repetitions from `powers` (the floors of 1, 2, …
    /// repetitions computed so far, one repetition's first, extended as needed):
    /// the `count`-fold sum (repetitions may differ), each sum coarsened
    /// (``FloorFrontier/sum(_:_:)``).
    static func power(_ powers: inout [[CostVector]], count: Int) -> [CostVector] {
      guard count >= 1, let one = powers.first else { return [.zero] }
      while powers.count < count {
        powers.append(FloorFrontier.sum(powers[powers.count - 1], one))
      }
      return powers[count - 1]
    }
  }
}
