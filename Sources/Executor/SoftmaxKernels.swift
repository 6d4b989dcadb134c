import Foundation

/// Softmax over the last dimension and softmax cross-entropy, forward and backward.
public enum SoftmaxKernels {
  /// Row-wise softmax of `rows × width` values.
  public static func softmax(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, width: Int
  ) {
    for r in 0..<rows { softmaxRow(x + r * width, y + r * width, width: width) }
  }

  /// In-place-safe softmax of one row.
  @inline(__always)
  static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, width: Int) {
    var top = -Float.infinity
    for i in 0..<width { top = max(top, x[i]) }
    var sum: Float = 0
    for i in 0..<width {
      let e = expf(x[i] - top)
      y[i] = e
      sum += e
    }
    let inv = 1 / sum
    for i in 0..<width { y[i] *= inv }
  }

  /// `dx = y ⊙ (dy − Σ dy⊙y)` row-wise, from the saved output `y`.
  public static func softmaxBackward(
    _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    rows: Int, width: Int
  ) {
    for r in 0..<rows {
      let p = y + r * width
      let g = dy + r * width
      let out = dx + r * width
      var dot: Float = 0
      for i in 0..<width { dot += p[i] * g[i] }
      for i in 0..<width { out[i] = p[i] * (g[i] - dot) }
    }
  }

  /// Per-row maximum and `Σ exp(x − max)` of this device's logits, written as
  /// pairs `(max, sum)` into `statistics` (`2 × rows` floats).
  public static func rowStatistics(
    _ logits: UnsafePointer<Float>, rows: Int, width: Int,
    into statistics: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<rows {
      let row = logits + r * width
      var top = -Float.infinity
      for i in 0..<width { top = max(top, row[i]) }
      var sum: Float = 0
      for i in 0..<width { sum += expf(row[i] - top) }
      statistics[2 * r] = top
      statistics[2 * r + 1] = sum
    }
  }

  /// The log-sum-exp of each row from `parts` devices' ``rowStatistics(_:rows:width:into:)``
  /// laid out one device after another (`parts × rows × 2`).
  public static func logSumExp(
    combining statistics: UnsafePointer<Float>, parts: Int, rows: Int,
    into lse: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<rows {
      var top = -Float.infinity
      for p in 0..<parts { top = max(top, statistics[(p * rows + r) * 2]) }
      var sum: Float = 0
      for p in 0..<parts {
        let base = (p * rows + r) * 2
        sum += statistics[base + 1] * expf(statistics[base] - top)
      }
      lse[r] = top + logf(sum)
    }
  }

  /// This device's share of the mean cross-entropy: `Σ_rows (lse if countsLSE) −
  /// x[label]` (only labels inside this device's vocabulary chunk
  /// `firstClass ..< firstClass + width`), divided by `totalRows`.
  public static func crossEntropyLoss(
    _ logits: UnsafePointer<Float>, lse: UnsafePointer<Float>, labels: UnsafePointer<Float>,
    rows: Int,
    width: Int, firstClass: Int, countsLSE: Bool, totalRows: Int
  ) -> Float {
    var total: Double = 0
    for r in 0..<rows {
      if countsLSE { total += Double(lse[r]) }
      let local = Int(labels[r]) - firstClass
      if local >= 0 && local < width { total -= Double(logits[r * width + local]) }
    }
    return Float(total / Double(totalRows))
  }

  /// Gradient of the mean cross-entropy: `dx = (softmax(x) − onehot) · dLoss / totalRows`.
  public static func crossEntropyBackward(
    _ logits: UnsafePointer<Float>, lse: UnsafePointer<Float>, labels: UnsafePointer<Float>,
    lossGradient: Float, _ dx: UnsafeMutablePointer<Float>, rows: Int, width: Int, firstClass: Int,
    totalRows: Int
  ) {
    let scale = lossGradient / Float(totalRows)
    for r in 0..<rows {
      let row = logits + r * width
      let out = dx + r * width
      let l = lse[r]
      for i in 0..<width { out[i] = expf(row[i] - l) * scale }
      let local = Int(labels[r]) - firstClass
      if local >= 0 && local < width { out[local] -= scale }
    }
  }
}
