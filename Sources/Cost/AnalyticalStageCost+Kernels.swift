import TensorOptGraph

extension AnalyticalStageCost {
  /// Forward and backward seconds of one local operator.
  ///
  /// Matrix products are priced as GEMMs of the local shape through
  /// ``DeviceSpec/gemmSeconds(m:n:k:precision:operands:)``, with the operands read
  /// as the executor's kernels read them (``GEMMOperands``):
  /// * linear `[r, k] · [k, n]`: forward GEMM(r, n, k); backward GEMM(r, k, n)
  ///   for the input gradient (`dY · Wᵀ`) plus GEMM(k, n, r) for the weight
  ///   gradient (`Xᵀ · dY`). A tied weight is priced as an embedding table's,
  ///   stored `[n, k]`: forward `X · Wᵀ`, input gradient `dY · W`, weight
  ///   gradient read `Aᵀ · B` (the executor computes it as the `n × k` product
  ///   `dYᵀ · X`, priced as its `k × n` transpose; a linear tied to another
  ///   linear reads it untransposed in the executor; no model of the zoo has one);
  /// * matmul over `b` leading batches: GEMM(b·m, n, k) forward, GEMM(b·m, k, n)
  ///   (`dY · Bᵀ`) + GEMM(k, n, b·m) (`Aᵀ · dY`) backward;
  /// * attention (`b` samples, `h` local heads, `s` positions, head width `d`):
  ///   forward QKᵀ = GEMM(b·h·s, s, d) and P·V = GEMM(b·h·s, d, s), backward
  ///   twice each; its softmax part is memory-bound over the `b·h·s²` scores;
  /// * conv2d as implicit GEMM (N·H'·W', C_out, C_in/groups·kh·kw), backward
  ///   as the two transposed GEMMs.
  /// Every other operator is memory-bound: the roofline time of its FLOPs at the
  /// fp32 peak and its traffic (inputs plus output forward, twice that backward)
  /// at the memory bandwidth. Non-GEMM arithmetic of linear and conv (bias) is
  /// folded into the GEMM.
  func kernelTimes(
    _ op: Operator, inputs: [Tensor], output: Tensor, metrics: OperatorMetrics
  ) -> (forward: Double, backward: Double) {
    let device = cluster.device
    let precision = options.dtype.computePrecision
    let fb = options.dtype.activationBytes
    func gemm(
      _ m: Double, _ n: Double, _ k: Double, _ operands: GEMMOperands = .plain
    ) -> Double {
      device.gemmSeconds(
        m: Self.extent(m), n: Self.extent(n), k: Self.extent(k), precision: precision,
        operands: operands)
    }
    // A product `[r, k] · [k, n]` forward and backward, as the executor runs it:
    // input gradient `dY · Bᵀ` and weight gradient `Aᵀ · dY`; a `B` stored
    // transposed (a tied embedding table) is read `X · Bᵀ` forward and `dY · B`.
    func product(_ r: Double, _ n: Double, _ k: Double, storedTransposed: Bool = false) -> (
      forward: Double, backward: Double
    ) {
      (
        gemm(r, n, k, storedTransposed ? .transposedB : .plain),
        gemm(r, k, n, storedTransposed ? .plain : .transposedB) + gemm(k, n, r, .transposedA)
      )
    }
    let first = inputs.first?.shape ?? []
    let outShape = output.shape
    let traffic = inputs.reduce(output.byteCount(floatBytes: fb)) {
      $0 + $1.byteCount(floatBytes: fb)
    }
    switch op.kind {
    case .linear:
      let k = Double(first.last?.size ?? 1)
      let n = Double(outShape.last?.size ?? 1)
      let rows = outShape.elementCountAsDouble / max(n, 1)
      return product(rows, n, k, storedTransposed: op.attributes.tiedTo != nil)
    case .matmul, .batchedMatmul:
      guard outShape.count >= 2 else { break }
      let n = Double(outShape[outShape.count - 1].size)
      let k = Double(first.last?.size ?? 1)
      let rows = outShape.elementCountAsDouble / max(n, 1)
      return product(rows, n, k)
    case .attention:
      guard outShape.count >= 2 else { break }
      let heads = Double(max(op.attributes.heads, 1))
      let width = Double(outShape[outShape.count - 1].size)
      let sequence = Double(outShape[outShape.count - 2].size)
      let rows = outShape.elementCountAsDouble / max(width, 1) * heads
      let headDim = width / heads
      let scores = rows * sequence
      let products = gemm(rows, sequence, headDim) + gemm(rows, headDim, sequence)
      let softmax = device.elementwiseSeconds(flops: 5 * scores, bytes: 3 * scores * Double(fb))
      let softmaxBackward = device.elementwiseSeconds(
        flops: 4 * scores, bytes: 4 * scores * Double(fb))
      return (products + softmax, 2 * products + softmaxBackward)
    case .conv2d:
      guard outShape.count == 4, first.count == 4 else { break }
      let taps = Double(op.attributes.kernel.reduce(1, *))
      let m = Double(outShape[0].size * outShape[2].size * outShape[3].size)
      let n = Double(outShape[1].size)
      let k = Double(first[1].size) / Double(max(op.attributes.groups, 1)) * taps
      return (gemm(m, n, k), gemm(m, k, n) + gemm(k, n, m))
    default:
      break
    }
    return (
      device.elementwiseSeconds(flops: metrics.forwardFLOPs, bytes: traffic),
      device.elementwiseSeconds(flops: metrics.backwardFLOPs, bytes: 2 * traffic)
    )
  }

  /// A GEMM extent as an integer (at least 1).
  static func extent(_ value: Double) -> Int {
    guard value.isFinite, value >= 1 else { return 1 }
    return value >= Double(Int.max / 4) ? Int.max / 4 : Int(value.rounded())
  }
}
