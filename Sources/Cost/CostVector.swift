import TensorOptGraph

/// The two objectives the planner trades off: time and memory per device.
public struct CostVector: Hashable, Sendable, CustomStringConvertible {
  /// Seconds per training iteration (or the part attributed to one piece of work).
  public var time: Double
  /// Bytes per device.
  public var memory: Double

  /// Creates a cost vector.
  public init(time: Double, memory: Double) {
    self.time = time
    self.memory = memory
  }

  /// No time, no memory.
  public static let zero = CostVector(time: 0, memory: 0)

  /// Component-wise sum.
  public static func + (lhs: Self, rhs: Self) -> Self {
    Self(time: lhs.time + rhs.time, memory: lhs.memory + rhs.memory)
  }

  /// Component-wise accumulation.
  public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }

  /// Whether `self` is at least as good as `other` in both objectives and better in one.
  public func dominates(_ other: Self) -> Bool {
    time <= other.time && memory <= other.memory && (time < other.time || memory < other.memory)
  }

  public var description: String { "(\(time) s, \(memory) B)" }
}

/// What the operator-level search needs from a cost model, for one pipeline
/// stage placed on a ``DeviceMesh``.
///
/// Costs add up over a strategy: the cost of a strategy is the sum of its
/// operators' costs and its edges' re-layout costs.
public protocol StageCostModel: Sendable {
  /// The stage's devices.
  var mesh: DeviceMesh { get }

  /// The cost of one operator node of `graph` under `configuration`: its forward
  /// and backward compute, the synchronisation of its parameter gradients, and
  /// the memory it holds per device (parameters, gradients, optimizer state,
  /// saved activations).
  func cost(of node: Node, in graph: Graph, configuration: OpConfiguration) -> CostVector

  /// The cost of moving `tensor` from a producer's layout to a consumer's
  /// (forward), and its gradient from the consumer's gradient layout back to the
  /// producer's (backward; ignored for integer tensors).
  func relayoutCost(
    of tensor: Tensor, from producer: TensorLayout, to consumer: TensorLayout,
    gradientFrom consumerGradient: TensorLayout, gradientTo producerGradient: TensorLayout
  ) -> CostVector

  /// The extra cost of a second operator using a weight another one owns (tied
  /// embeddings): `weight` is stored in layout `stored`; the user wants it in
  /// layout `used` and returns its gradient contribution in layout `gradient`
  /// (`used`, partial along the axes still to be reduced). Zero when `used`
  /// equals `stored` and `gradient` holds no partial sums; otherwise the copy's
  /// memory and the re-layouts of the weight and of its gradient.
  func tiedWeightCost(
    of weight: Tensor, stored: TensorLayout, used: TensorLayout, gradient: TensorLayout
  ) -> CostVector

  /// Whether the search may give `node` the configuration `configuration` at
  /// all (default: always). A model that rules configurations out, e.g. by a
  /// bound on what they hold outside the summed objectives, leaves them out of
  /// the search instead of pricing them out.
  func admits(_ node: Node, in graph: Graph, configuration: OpConfiguration) -> Bool
}

extension StageCostModel {
  /// Every configuration is admitted.
  public func admits(_ node: Node, in graph: Graph, configuration: OpConfiguration) -> Bool {
    true
  }
}
