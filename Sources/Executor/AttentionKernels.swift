import Foundation
import TensorOptCost

/// The geometry of one device's share of an attention operator.
///
/// The packed input row of a token holds, for each key/value group in turn, the
/// group's query heads, then its key head, then its value head, each `headDim`
/// wide; the output row holds the query heads' results in head order.
public struct AttentionGeometry: Hashable, Sendable {
  /// Independent sequences (the product of all leading dimensions).
  public var batch: Int
  /// Tokens per sequence.
  public var sequence: Int
  /// Key/value groups on this device.
  public var groups: Int
  /// Query heads per key/value group (`heads / kvHeads`).
  public var queriesPerGroup: Int
  /// Width of one head.
  public var headDim: Int
  /// Whether position `i` may attend only to positions `≤ i`.
  public var causal: Bool

  /// Creates a geometry.
  public init(
    batch: Int, sequence: Int, groups: Int, queriesPerGroup: Int, headDim: Int, causal: Bool
  ) {
    self.batch = batch
    self.sequence = sequence
    self.groups = groups
    self.queriesPerGroup = queriesPerGroup
    self.headDim = headDim
    self.causal = causal
  }

  /// Width of a packed input row.
  public var inputWidth: Int { groups * (queriesPerGroup + 2) * headDim }
  /// Width of an output row.
  public var outputWidth: Int { groups * queriesPerGroup * headDim }
  /// Floats of saved attention probabilities.
  public var probabilityCount: Int { batch * groups * queriesPerGroup * sequence * sequence }
}

/// Scaled dot-product attention on the packed grouped q/k/v layout (GQA allowed),
/// forward and backward, with the matrix products in OpenBLAS.
public enum AttentionKernels {
  /// `out = softmax(q·kᵀ/√d [+ causal mask]) · v` per head; saves the probabilities.
  public static func forward(
    _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
    probabilities: UnsafeMutablePointer<Float>, geometry a: AttentionGeometry
  ) {
    let s = a.sequence
    let d = a.headDim
    let w = a.inputWidth
    let o = a.outputWidth
    let scale = 1 / sqrtf(Float(d))
    for b in 0..<a.batch {
      for g in 0..<a.groups {
        let base = input + b * s * w + g * (a.queriesPerGroup + 2) * d
        let k = base + a.queriesPerGroup * d
        let v = k + d
        for j in 0..<a.queriesPerGroup {
          let head = g * a.queriesPerGroup + j
          let p = probabilities + ((b * a.groups * a.queriesPerGroup) + head) * s * s
          Gemm.multiply(
            base + j * d, k, into: p, m: s, n: s, k: d, transposeB: true, alpha: scale, lda: w,
            ldb: w)
          for i in 0..<s {
            let row = p + i * s
            let visible = a.causal ? i + 1 : s
            SoftmaxKernels.softmaxRow(row, row, width: visible)
            if visible < s { (row + visible).update(repeating: 0, count: s - visible) }
          }
          Gemm.multiply(p, v, into: output + b * s * o + head * d, m: s, n: d, k: s, ldb: w, ldc: o)
        }
      }
    }
  }

  /// Writes the packed input gradient from the output gradient and the saved
  /// input and probabilities. `scratch` holds `sequence²` floats.
  public static func backward(
    _ input: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
    _ outputGradient: UnsafePointer<Float>,
    _ inputGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    geometry a: AttentionGeometry
  ) {
    let s = a.sequence
    let d = a.headDim
    let w = a.inputWidth
    let o = a.outputWidth
    let scale = 1 / sqrtf(Float(d))
    inputGradient.update(repeating: 0, count: a.batch * s * w)
    for b in 0..<a.batch {
      for g in 0..<a.groups {
        let offset = b * s * w + g * (a.queriesPerGroup + 2) * d
        let k = input + offset + a.queriesPerGroup * d
        let v = k + d
        let dk = inputGradient + offset + a.queriesPerGroup * d
        let dv = dk + d
        for j in 0..<a.queriesPerGroup {
          let head = g * a.queriesPerGroup + j
          let p = probabilities + ((b * a.groups * a.queriesPerGroup) + head) * s * s
          let dOut = outputGradient + b * s * o + head * d
          let q = input + offset + j * d
          let dq = inputGradient + offset + j * d
          Gemm.multiply(dOut, v, into: scratch, m: s, n: s, k: d, transposeB: true, lda: o, ldb: w)
          Gemm.multiply(
            p, dOut, into: dv, m: s, n: d, k: s, transposeA: true, beta: 1, lda: s, ldb: o, ldc: w)
          for i in 0..<s {
            let pr = p + i * s
            let dr = scratch + i * s
            var dot: Float = 0
            for c in 0..<s { dot += pr[c] * dr[c] }
            for c in 0..<s { dr[c] = pr[c] * (dr[c] - dot) * scale }
          }
          Gemm.multiply(scratch, k, into: dq, m: s, n: d, k: s, ldb: w, ldc: w)
          Gemm.multiply(
            scratch, q, into: dk, m: s, n: d, k: s, transposeA: true, beta: 1, lda: s, ldb: w,
            ldc: w)
        }
      }
    }
  }
}
