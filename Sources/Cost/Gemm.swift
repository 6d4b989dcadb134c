import COpenBLAS

/// Row-major single-precision matrix products through OpenBLAS.
public enum Gemm {
  /// `C = alpha · op(A) · op(B) + beta · C`, all row-major, without copies.
  ///
  /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; the leading
  /// dimensions are the row strides of the stored matrices (defaults: dense).
  /// Degenerate shapes take the matching level-2 routine (`m = 1` or `n = 1`:
  /// `cblas_sgemv`; `k = 1` with `beta = 1`: `cblas_sger`), which OpenBLAS runs
  /// faster than `cblas_sgemm` on the same memory-bound product; the result is
  /// the same product.
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
      } else if beta != 1 {
        for row in 0..<m {
          for column in 0..<n { c[row * (ldc ?? n) + column] *= beta }
        }
      }
      return
    }
    let strideA = lda ?? (transposeA ? m : k)
    let strideB = ldb ?? (transposeB ? k : n)
    let strideC = ldc ?? n
    if m == 1 {
      // c[1×n] = a[1×k] · op(B) (one contiguous row, whatever ldc): a matrix-vector
      // product with op(B)ᵀ.
      // Row-major B is k×n (NoTrans) or n×k (Trans); the vector a has stride 1
      // unless A is stored transposed (k×1 with row stride strideA).
      let incA = transposeA ? strideA : 1
      if transposeB {
        cblas_sgemv(
          CblasRowMajor, CblasNoTrans, blasint(n), blasint(k), alpha, b, blasint(strideB), a,
          blasint(incA), beta, c, 1)
      } else {
        cblas_sgemv(
          CblasRowMajor, CblasTrans, blasint(k), blasint(n), alpha, b, blasint(strideB), a,
          blasint(incA), beta, c, 1)
      }
      return
    }
    if n == 1 {
      // c[m×1] = op(A) · b[k×1]; c has row stride strideC.
      let incB = transposeB ? 1 : strideB
      cblas_sgemv(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
        blasint(transposeA ? k : m), blasint(transposeA ? m : k), alpha, a, blasint(strideA), b,
        blasint(incB), beta, c, blasint(strideC))
      return
    }
    if k == 1, beta == 1 {
      // c += alpha · a[m×1] · b[1×n]: a rank-one update.
      let incA = transposeA ? 1 : strideA
      let incB = transposeB ? strideB : 1
      cblas_sger(
        CblasRowMajor, blasint(m), blasint(n), alpha, a, blasint(incA), b, blasint(incB), c,
        blasint(strideC))
      return
    }
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(strideA), b, blasint(strideB), beta, c,
      blasint(strideC))
  }
}
