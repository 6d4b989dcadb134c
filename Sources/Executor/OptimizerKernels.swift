import Foundation

/// Hyper-parameters of Adam / AdamW.
public struct AdamConfiguration: Hashable, Sendable {
  /// The learning rate.
  public var learningRate: Float = 1e-3
  /// First-moment decay.
  public var beta1: Float = 0.9
  /// Second-moment decay.
  public var beta2: Float = 0.999
  /// The ε added to the root of the second moment.
  public var epsilon: Float = 1e-8
  /// Decoupled weight decay (AdamW); 0 gives Adam.
  public var weightDecay: Float = 0

  /// The defaults above.
  public init() {}
}

/// Hyper-parameters of SGD with momentum.
public struct SGDConfiguration: Hashable, Sendable {
  /// The learning rate.
  public var learningRate: Float = 0.01
  /// The momentum coefficient μ.
  public var momentum: Float = 0.9

  /// The defaults above.
  public init() {}
}

/// Parameter updates, in place on one worker's shards.
public enum OptimizerKernels {
  /// One Adam/AdamW step `t` (1-based) on `count` parameters with moments `m`, `v`.
  ///
  /// Eight lanes at a time (the bias corrections are folded into two
  /// multipliers), so the step streams its five arrays at memory speed.
  public static func adamStep(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    m: UnsafeMutablePointer<Float>,
    v: UnsafeMutablePointer<Float>, count: Int, step t: Int, configuration c: AdamConfiguration
  ) {
    let scale1 = 1 / (1 - powf(c.beta1, Float(t)))
    let scale2 = 1 / (1 - powf(c.beta2, Float(t)))
    let (beta1, beta2) = (c.beta1, c.beta2)
    let (keep1, keep2) = (1 - c.beta1, 1 - c.beta2)
    let (epsilon, rate, decay) = (c.epsilon, c.learningRate, c.weightDecay)
    typealias Lanes = SIMD8<Float>
    @inline(__always) func load(_ pointer: UnsafePointer<Float>) -> Lanes {
      UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
    }
    @inline(__always) func store(_ value: Lanes, _ pointer: UnsafeMutablePointer<Float>) {
      UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Lanes.self)
    }
    var i = 0
    while i + Lanes.scalarCount <= count {
      let gi = load(g + i)
      let mi = beta1 * load(m + i) + keep1 * gi
      let vi = beta2 * load(v + i) + keep2 * gi * gi
      let pi = load(p + i)
      let update = (mi * scale1) / ((vi * scale2).squareRoot() + epsilon)
      store(mi, m + i)
      store(vi, v + i)
      store(pi - rate * (update + decay * pi), p + i)
      i += Lanes.scalarCount
    }
    while i < count {
      m[i] = beta1 * m[i] + keep1 * g[i]
      v[i] = beta2 * v[i] + keep2 * g[i] * g[i]
      let update = (m[i] * scale1) / ((v[i] * scale2).squareRoot() + epsilon)
      p[i] -= rate * (update + decay * p[i])
      i += 1
    }
  }

  /// One SGD step with momentum: `b = μ·b + g`, `p −= lr·b`.
  public static func sgdMomentumStep(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    momentum b: UnsafeMutablePointer<Float>, count: Int, learningRate: Float, mu: Float
  ) {
    typealias Lanes = SIMD8<Float>
    var i = 0
    while i + Lanes.scalarCount <= count {
      let bi =
        mu * UnsafeRawPointer(b + i).loadUnaligned(as: Lanes.self)
        + UnsafeRawPointer(g + i).loadUnaligned(as: Lanes.self)
      let pi = UnsafeRawPointer(p + i).loadUnaligned(as: Lanes.self) - learningRate * bi
      UnsafeMutableRawPointer(b + i).storeBytes(of: bi, as: Lanes.self)
      UnsafeMutableRawPointer(p + i).storeBytes(of: pi, as: Lanes.self)
      i += Lanes.scalarCount
    }
    while i < count {
      b[i] = mu * b[i] + g[i]
      p[i] -= learningRate * b[i]
      i += 1
    }
  }
}
