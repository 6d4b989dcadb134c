import TensorOptCost
import TensorOptGraph

extension OperatorRunner {
  // MARK: Backward

  /// The gradients of the inputs (`nil` for integer inputs) and of the parameters.
  ///
  /// `accumulating` holds the parameter gradients summed over earlier micro-batches;
  /// an operator that can add its gradients into them in the same kernel (a linear
  /// layer: the weight-gradient product with `beta = 1`) does so and returns those
  /// very tensors, as a training framework fuses gradient accumulation; with
  /// `overwriting` (the first micro-batch) it writes them instead of adding, so the
  /// zero buffers are not read. Others return fresh tensors for the caller.
  func backward(
    _ saved: SavedActivations, outputGradient dy: DeviceTensor, tiedWeight: DeviceTensor? = nil,
    accumulating sums: [DeviceTensor]? = nil, overwriting: Bool = false
  ) throws(ExecutorError)
    -> (
      [DeviceTensor?], [DeviceTensor]
    )
  {
    let timer = worker.trace
    let name = op.kind.rawValue + "-backward"
    let t = saved.tensors
    switch op.kind {
    case .linear:
      let x = t[0]
      let (weight, transposed, bias) = linearParameters(tiedWeight: tiedWeight)
      let inWidth = transposed ? weight.shape[1] : weight.shape[0]
      let outWidth = transposed ? weight.shape[0] : weight.shape[1]
      let rows = x.count / max(inWidth, 1)
      let dx = tensor(x.shape)
      // Accumulate into the running sums when they are this layer's weight and bias.
      let reused = sums.flatMap { sums -> [DeviceTensor]? in
        guard sums.count == (bias == nil ? 1 : 2), sums[0].count == weight.count,
          bias.map({ sums[1].count == $0.count }) ?? true
        else { return nil }
        return sums
      }
      let dw = reused?[0] ?? tensor(weight.shape)
      let db = bias.map { bias in reused.map { $0[1] } ?? tensor(bias.shape) }
      let beta: Float = reused == nil || overwriting ? 0 : 1
      timer.timed(name) {
        Gemm.multiply(
          dy.pointer, weight.pointer, into: dx.pointer, m: rows, n: inWidth, k: outWidth,
          transposeB: !transposed)
        if transposed {
          Gemm.multiply(
            dy.pointer, x.pointer, into: dw.pointer, m: outWidth, n: inWidth, k: rows,
            transposeA: true, beta: beta)
        } else {
          Gemm.multiply(
            x.pointer, dy.pointer, into: dw.pointer, m: inWidth, n: outWidth, k: rows,
            transposeA: true, beta: beta)
        }
        if let db, leads(axes("in")) {
          if beta == 0, reused != nil { db.pointer.update(repeating: 0, count: db.count) }
          for r in 0..<rows {
            Vector.add(dy.pointer + r * outWidth, into: db.pointer, count: outWidth)
          }
        }
      }
      // A tied layer returns the gradient of its weight view first, then its own bias.
      return ([dx], [dw] + (db.map { [$0] } ?? []))
    case .matmul, .batchedMatmul:
      let a = t[0]
      let b = t[1]
      let (m, k, n) = (
        a.shape[a.shape.count - 2], a.shape[a.shape.count - 1], b.shape[b.shape.count - 1]
      )
      let batch = a.count / max(m * k, 1)
      let da = tensor(a.shape)
      let db = tensor(b.shape)
      timer.timed(name) {
        for i in 0..<batch {
          Gemm.multiply(
            dy.pointer + i * m * n, b.pointer + i * k * n, into: da.pointer + i * m * k, m: m, n: k,
            k: n, transposeB: true)
          Gemm.multiply(
            a.pointer + i * m * k, dy.pointer + i * m * n, into: db.pointer + i * k * n, m: k, n: n,
            k: m, transposeA: true)
        }
      }
      return ([da, db], [])
    case .attention:
      let x = t[0]
      let geometry = try attentionGeometry(x)
      let probabilities: DeviceTensor
      if t.count > 1 {
        probabilities = t[1]
      } else {
        probabilities = tensor([geometry.probabilityCount])
        let output = tensor(x.shape.dropLast() + [geometry.outputWidth])
        timer.timed("attention-recompute") {
          AttentionKernels.forward(
            x.pointer, output.pointer, probabilities: probabilities.pointer, geometry: geometry)
        }
      }
      let dx = tensor(x.shape)
      let scratch = tensor([geometry.sequence * geometry.sequence])
      timer.timed(name) {
        AttentionKernels.backward(
          x.pointer, probabilities: probabilities.pointer, dy.pointer, dx.pointer,
          scratch: scratch.pointer,
          geometry: geometry)
      }
      return ([dx], [])
    case .embedding:
      let ids = t[0]
      let table = parameters[0]
      let firstRow =
        ShardBlock(tensorRank: 2, splits: specs[0].splits, mesh: mesh, device: view.localRank)
        .index[0]
        * table.shape[0]
      let dtable = tensor(table.shape)
      timer.timed(name) {
        EmbeddingKernels.lookupBackward(
          ids: ids.pointer, count: ids.count, dy: dy.pointer, tableRows: table.shape[0],
          firstRow: firstRow,
          width: table.shape[1], into: dtable.pointer)
      }
      return ([nil], [dtable])
    case .layerNorm, .rmsNorm:
      let x = t[0]
      let statistics = t[1]
      let width = x.shape.last ?? 1
      let rows = x.count / max(width, 1)
      let dx = tensor(x.shape)
      let grads = parameters.map { tensor($0.shape) }
      timer.timed(name) {
        if op.kind == .layerNorm {
          NormKernels.layerNormBackward(
            x.pointer, gamma: parameters[0].pointer, mean: statistics.pointer,
            rstd: statistics.pointer + rows, dy.pointer,
            dx.pointer, dgamma: grads[0].pointer, dbeta: grads.count > 1 ? grads[1].pointer : nil,
            rows: rows, width: width)
        } else {
          NormKernels.rmsNormBackward(
            x.pointer, gamma: parameters[0].pointer, rstd: statistics.pointer, dy.pointer,
            dx.pointer, dgamma: grads[0].pointer,
            rows: rows, width: width)
        }
      }
      return ([dx], grads)
    case .softmax:
      let y = t[0]
      let width = y.shape.last ?? 1
      let dx = tensor(y.shape)
      timer.timed(name) {
        SoftmaxKernels.softmaxBackward(
          y.pointer, dy.pointer, dx.pointer, rows: y.count / max(width, 1), width: width)
      }
      return ([dx], [])
    case .gelu, .relu, .silu:
      let x = t[0]
      let dx = tensor(x.shape)
      timer.timed(name) {
        switch op.kind {
        case .gelu:
          ActivationKernels.geluBackward(x.pointer, dy.pointer, dx.pointer, count: x.count)
        case .relu:
          ActivationKernels.reluBackward(x.pointer, dy.pointer, dx.pointer, count: x.count)
        default: ActivationKernels.siluBackward(x.pointer, dy.pointer, dx.pointer, count: x.count)
        }
      }
      return ([dx], [])
    case .dropout:
      return ([timer.timed(name) { dy.reshaped(dy.shape) }], [])
    case .add:
      return ([dy, dy], [])
    case .swiglu:
      let a = t[0]
      let b = t[1]
      let da = tensor(a.shape)
      let db = tensor(b.shape)
      timer.timed(name) {
        ActivationKernels.swigluBackward(
          a.pointer, b.pointer, dy.pointer, da.pointer, db.pointer, count: a.count)
      }
      return ([da, db], [])
    case .flatten, .reshape:
      return ([timer.timed(name) { dy.reshaped(saved.inputShapes[0]) }], [])
    case .crossEntropy:
      let logits = t[0]
      let lse = t[1]
      let labels = t[2]
      let width = logits.shape.last ?? 1
      let rows = logits.count / max(width, 1)
      let dx = tensor(logits.shape)
      let (firstClass, totalRows) = crossEntropyExtent(width: width)
      timer.timed(name) {
        SoftmaxKernels.crossEntropyBackward(
          logits.pointer, lse: lse.pointer, labels: labels.pointer, lossGradient: dy.pointer[0],
          dx.pointer, rows: rows,
          width: width, firstClass: firstClass, totalRows: totalRows)
      }
      return ([dx], [])
    case .conv2d, .batchNorm, .maxPool, .avgPool, .globalAvgPool:
      return try convolutionalBackward(saved, outputGradient: dy)
    }
  }
}
