/// How a matrix product reads its operands, as the executor's kernels pass them
/// to `sgemm` (row-major): the same `(m, n, k)` runs at different speeds when an
/// operand is read transposed, most for thin products.
public enum GEMMOperands: String, Hashable, Sendable, Codable, CaseIterable {
  /// `C = A · B`: a forward product (activations times weights).
  case plain = "nn"
  /// `C = A · Bᵀ`: an input gradient (`dY · Wᵀ`).
  case transposedB = "nt"
  /// `C = Aᵀ · B`: a weight gradient (`Xᵀ · dY`), accumulated over micro-batches.
  case transposedA = "tn"

  /// Whether `A` is read transposed.
  public var transposesA: Bool { self == .transposedA }

  /// Whether `B` is read transposed.
  public var transposesB: Bool { self == .transposedB }
}
