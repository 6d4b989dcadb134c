/// What one operator costs, independent of hardware and parallelisation.
///
/// FLOPs count a multiply-add as two operations. Element-wise work is counted with
/// small per-element constants documented in `docs/model-format.md`; matrix products
/// dominate every model in the zoo.
public struct OperatorMetrics: Hashable, Sendable {
  /// Floating-point operations of the forward pass.
  public var forwardFLOPs: Double = 0
  /// Floating-point operations of the backward pass (input and weight gradients).
  public var backwardFLOPs: Double = 0
  /// Trainable parameters owned (zero for a weight tied to another operator's).
  public var parameters: Int = 0
  /// Bytes of activations kept from forward for backward.
  public var savedActivationBytes: Double = 0

  /// Zero everything.
  public init() {}

  /// Creates metrics from their parts.
  public init(
    forwardFLOPs: Double, backwardFLOPs: Double, parameters: Int, savedActivationBytes: Double
  ) {
    self.forwardFLOPs = forwardFLOPs
    self.backwardFLOPs = backwardFLOPs
    self.parameters = parameters
    self.savedActivationBytes = savedActivationBytes
  }

  /// The sum of two operators' metrics.
  public static func + (lhs: Self, rhs: Self) -> Self {
    Self(
      forwardFLOPs: lhs.forwardFLOPs + rhs.forwardFLOPs,
      backwardFLOPs: lhs.backwardFLOPs + rhs.backwardFLOPs,
      parameters: lhs.parameters &+ rhs.parameters,
      savedActivationBytes: lhs.savedActivationBytes + rhs.savedActivationBytes)
  }

  /// Accumulates another operator's metrics.
  public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }

  /// The metrics of `count` identical operators.
  public func repeated(_ count: Int) -> Self {
    Self(
      forwardFLOPs: forwardFLOPs * Double(count),
      backwardFLOPs: backwardFLOPs * Double(count),
      parameters: parameters &* count,
      savedActivationBytes: savedActivationBytes * Double(count))
  }
}
