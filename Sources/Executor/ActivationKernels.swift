import Foundation

/// Element-wise activations and their gradients on contiguous fp32 buffers.
public enum ActivationKernels {
  private static let geluScale: Float = 0.797_884_6  // sqrt(2/π)
  private static let geluCubic: Float = 0.044715

  /// GELU, tanh approximation: `y = x/2 · (1 + tanh(√(2/π)(x + 0.044715x³)))`.
  public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count {
      let v = x[i]
      y[i] = 0.5 * v * (1 + tanhf(geluScale * (v + geluCubic * v * v * v)))
    }
  }

  /// `dx = dy · gelu'(x)`.
  public static func geluBackward(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    for i in 0..<count {
      let v = x[i]
      let t = tanhf(geluScale * (v + geluCubic * v * v * v))
      let derivative =
        0.5 * (1 + t) + 0.5 * v * (1 - t * t) * geluScale * (1 + 3 * geluCubic * v * v)
      dx[i] = dy[i] * derivative
    }
  }

  /// `y = max(x, 0)` (the compiler vectorises this loop as it is).
  public static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = max(x[i], 0) }
  }

  /// `dx = dy · [x > 0]`, eight lanes at a time (a select, not a branch: the
  /// signs of activations are unpredictable).
  public static func reluBackward(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    typealias Lanes = SIMD8<Float>
    var i = 0
    while i + Lanes.scalarCount <= count {
      let v = UnsafeRawPointer(x + i).loadUnaligned(as: Lanes.self)
      let g = UnsafeRawPointer(dy + i).loadUnaligned(as: Lanes.self)
      UnsafeMutableRawPointer(dx + i).storeBytes(
        of: g.replacing(with: 0, where: v .<= 0), as: Lanes.self)
      i += Lanes.scalarCount
    }
    while i < count {
      dx[i] = x[i] > 0 ? dy[i] : 0
      i += 1
    }
  }

  /// `y = x · σ(x)`.
  public static func silu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = x[i] / (1 + expf(-x[i])) }
  }

  /// `dx = dy · σ(x)(1 + x(1 − σ(x)))`.
  public static func siluBackward(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    for i in 0..<count {
      let s = 1 / (1 + expf(-x[i]))
      dx[i] = dy[i] * s * (1 + x[i] * (1 - s))
    }
  }

  /// SwiGLU gate `y = silu(a) · b`.
  public static func swiglu(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    for i in 0..<count { y[i] = a[i] / (1 + expf(-a[i])) * b[i] }
  }

  /// Gradients of ``swiglu(_:_:_:count:)``: `da = dy · b · silu'(a)`, `db = dy · silu(a)`.
  public static func swigluBackward(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    _ da: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>, count: Int
  ) {
    for i in 0..<count {
      let s = 1 / (1 + expf(-a[i]))
      da[i] = dy[i] * b[i] * s * (1 + a[i] * (1 - s))
      db[i] = dy[i] * a[i] * s
    }
  }

  /// `y = a + b` (residual connections).
  public static func add(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    y.update(from: a, count: count)
    Vector.add(b, into: y, count: count)
  }

  /// Dropout with probability 0 (the executor's numerics check needs a
  /// deterministic model): the identity.
  public static func dropout(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    y.update(from: x, count: count)
  }
}
