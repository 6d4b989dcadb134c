import COpenBLAS

/// Row-major single-precision matrix products through OpenBLAS `cblas_sgemm`.
public enum Gemm {
  /// `C = alpha · op(A) · op(B) + beta · C`, all row-major, without copies.
  ///
  /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; the leading
  /// dimensions are the row strides of the stored matrices (defaults: dense).
  @inline(__always)
  public static func multiply(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
    m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
    alpha: Float = 1, beta: Float = 0, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
  ) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
      if beta == 0 {
        for row in 0..<m { (c + row * (ldc ?? n)).update(repeating: 0, count: n) }
      }
      return
    }
    let strideA = lda ?? (transposeA ? m : k)
    let strideB = ldb ?? (transposeB ? k : n)
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(strideA), b, blasint(strideB), beta, c,
      blasint(ldc ?? n))
  }
}
