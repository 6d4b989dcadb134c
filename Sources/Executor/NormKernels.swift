import Foundation

/// Layer and RMS normalisation over the last dimension, forward and backward.
///
/// `x` and `y` are `rows × width`; per-row statistics (mean and reciprocal
/// standard deviation) are saved for backward.
public enum NormKernels {
  /// The ε added to variances.
  public static let epsilon: Float = 1e-5

  /// `y = (x − mean)·rstd·γ + β`; writes `mean[r]` and `rstd[r]`.
  public static func layerNorm(
    _ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?,
    _ y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
    rstd: UnsafeMutablePointer<Float>,
    rows: Int, width: Int
  ) {
    for r in 0..<rows {
      let row = x + r * width
      let out = y + r * width
      var sum: Float = 0
      for i in 0..<width { sum += row[i] }
      let mu = sum / Float(width)
      var variance: Float = 0
      for i in 0..<width {
        let d = row[i] - mu
        variance += d * d
      }
      let inv = 1 / sqrtf(variance / Float(width) + epsilon)
      mean[r] = mu
      rstd[r] = inv
      for i in 0..<width { out[i] = (row[i] - mu) * inv * gamma[i] + (beta?[i] ?? 0) }
    }
  }

  /// Gradients of ``layerNorm(_:gamma:beta:_:mean:rstd:rows:width:)``:
  /// writes `dx`, and adds into `dgamma` and `dbeta`.
  public static func layerNormBackward(
    _ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
    rstd: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>?, rows: Int, width: Int
  ) {
    for r in 0..<rows {
      let row = x + r * width
      let g = dy + r * width
      let out = dx + r * width
      let mu = mean[r]
      let inv = rstd[r]
      var sumG: Float = 0
      var sumGX: Float = 0
      for i in 0..<width {
        let xhat = (row[i] - mu) * inv
        let gy = g[i] * gamma[i]
        sumG += gy
        sumGX += gy * xhat
        dgamma[i] += g[i] * xhat
        if let dbeta { dbeta[i] += g[i] }
      }
      let n = Float(width)
      for i in 0..<width {
        let xhat = (row[i] - mu) * inv
        out[i] = inv * (g[i] * gamma[i] - sumG / n - xhat * sumGX / n)
      }
    }
  }

  /// `y = x·rstd·γ` with `rstd = 1/√(mean(x²) + ε)`; writes `rstd[r]`.
  public static func rmsNorm(
    _ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    rstd: UnsafeMutablePointer<Float>, rows: Int, width: Int
  ) {
    for r in 0..<rows {
      let row = x + r * width
      let out = y + r * width
      var squares: Float = 0
      for i in 0..<width { squares += row[i] * row[i] }
      let inv = 1 / sqrtf(squares / Float(width) + epsilon)
      rstd[r] = inv
      for i in 0..<width { out[i] = row[i] * inv * gamma[i] }
    }
  }

  /// Gradients of ``rmsNorm(_:gamma:_:rstd:rows:width:)``: writes `dx`, adds into `dgamma`.
  public static func rmsNormBackward(
    _ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
    _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    dgamma: UnsafeMutablePointer<Float>,
    rows: Int, width: Int
  ) {
    for r in 0..<rows {
      let row = x + r * width
      let g = dy + r * width
      let out = dx + r * width
      let inv = rstd[r]
      var dot: Float = 0
      for i in 0..<width {
        dot += g[i] * gamma[i] * row[i]
        dgamma[i] += g[i] * row[i] * inv
      }
      let scale = inv * inv * inv * dot / Float(width)
      for i in 0..<width { out[i] = g[i] * gamma[i] * inv - row[i] * scale }
    }
  }
}
