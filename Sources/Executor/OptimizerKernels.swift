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
  public static func adamStep(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    m: UnsafeMutablePointer<Float>,
    v: UnsafeMutablePointer<Float>, count: Int, step t: Int, configuration c: AdamConfiguration
  ) {
    let correction1 = 1 - powf(c.beta1, Float(t))
    let correction2 = 1 - powf(c.beta2, Float(t))
    for i in 0..<count {
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g[i]
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * g[i] * g[i]
      let update = (m[i] / correction1) / (sqrtf(v[i] / correction2) + c.epsilon)
      p[i] -= c.learningRate * (update + c.weightDecay * p[i])
    }
  }

  /// One SGD step with momentum: `b = μ·b + g`, `p −= lr·b`.
  public static func sgdMomentumStep(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    momentum b: UnsafeMutablePointer<Float>, count: Int, learningRate: Float, mu: Float
  ) {
    for i in 0..<count {
      b[i] = mu * b[i] + g[i]
      p[i] -= learningRate * b[i]
    }
  }
}
