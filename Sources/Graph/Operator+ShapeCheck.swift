extension Operator {
  /// How many inputs the operator takes.
  public var arity: Int {
    switch kind {
    case .matmul, .batchedMatmul, .swiglu, .add: 2
    default: 1
    }
  }

  /// Checks that `output` is what the operator produces from `inputs`.
  ///
  /// - Returns: `nil` when the shapes agree, otherwise a one-line description of
  ///   the disagreement (without the node's name, which the caller adds).
  public func shapeProblem(inputs: [Shape], output: Shape) -> String? {
    guard inputs.count == arity else { return "takes \(arity) input(s), got \(inputs.count)" }
    let x = inputs[0].sizes
    let y = output.sizes
    func same(_ a: [Int], _ b: [Int], _ what: String) -> String? {
      a == b ? nil : "\(what): expected \(a), declared \(b)"
    }
    switch kind {
    case .embedding:
      guard attributes.rows > 0 else { return "embedding needs a positive 'rows'" }
      guard y.count == x.count + 1 else {
        return "output rank must be input rank + 1 (\(x.count + 1)), got \(y.count)"
      }
      return same(x, Array(y.dropLast()), "output shape")
    case .linear:
      guard !x.isEmpty, y.count == x.count else {
        return "output rank must equal input rank \(x.count)"
      }
      return same(Array(x.dropLast()), Array(y.dropLast()), "leading output dimensions")
    case .matmul, .batchedMatmul:
      let b = inputs[1].sizes
      guard x.count >= 2, b.count == x.count else {
        return "both inputs need the same rank of at least 2"
      }
      guard x[x.count - 1] == b[b.count - 2] else {
        return "inner dimensions differ: \(x[x.count - 1]) vs \(b[b.count - 2])"
      }
      return same(Array(x.dropLast()) + [b[b.count - 1]], y, "output shape")
    case .attention:
      let heads = attributes.heads
      let kvHeads = attributes.kvHeads > 0 ? attributes.kvHeads : heads
      guard heads > 0 else { return "attention needs a positive 'heads'" }
      guard heads % kvHeads == 0 else {
        return "heads \(heads) is not a multiple of kv_heads \(kvHeads)"
      }
      guard x.count >= 2, y.count == x.count else {
        return "input and output need the same rank of at least 2"
      }
      if let problem = same(Array(x.dropLast()), Array(y.dropLast()), "leading output dimensions") {
        return problem
      }
      guard y[y.count - 1] % heads == 0 else {
        return "output width \(y[y.count - 1]) is not divisible by \(heads) heads"
      }
      let headDim = y[y.count - 1] / heads
      let (groups, groupsOverflow) = kvHeads.multipliedReportingOverflow(by: 2)
      let (width, widthOverflow) = heads.addingReportingOverflow(groups)
      let (packed, packedOverflow) = width.multipliedReportingOverflow(by: headDim)
      if groupsOverflow || widthOverflow || packedOverflow {
        return "heads \(heads), kv_heads \(kvHeads) are too large"
      }
      return x[x.count - 1] == packed
        ? nil
        : "packed q/k/v input width must be (heads + 2·kv_heads)·head_dim = \(packed), got \(x[x.count - 1])"
    case .layerNorm, .rmsNorm, .softmax, .gelu, .relu, .silu, .dropout:
      return same(x, y, "output shape")
    case .swiglu, .add:
      if let problem = same(x, inputs[1].sizes, "second input shape") { return problem }
      return same(x, y, "output shape")
    case .crossEntropy:
      guard !x.isEmpty else { return "logits need at least one dimension" }
      return y.isEmpty ? nil : "the loss is a scalar: declare shape []"
    case .conv2d, .maxPool, .avgPool:
      return windowProblem(x, y)
    case .globalAvgPool:
      guard x.count == 4 else { return "input must be [batch, channels, height, width]" }
      return same([x[0], x[1]], y, "output shape")
    case .batchNorm:
      guard x.count >= 2 else { return "input needs a channel dimension" }
      return same(x, y, "output shape")
    case .flatten:
      guard let first = x.first else { return "input needs a leading dimension" }
      return same([first, x.dropFirst().reduce(1, { $0 &* $1 })], y, "output shape")
    case .reshape:
      let count = { (s: [Int]) in s.reduce(1, { $0 &* $1 }) }
      return count(x) == count(y) ? nil : "element count changes from \(count(x)) to \(count(y))"
    }
  }

  private func windowProblem(_ x: [Int], _ y: [Int]) -> String? {
    guard x.count == 4, y.count == 4 else {
      return "input and output must be [batch, channels, height, width]"
    }
    let k = attributes.kernel
    let s = attributes.stride
    let p = attributes.padding
    guard k.count == 2, s.count == 2, p.count == 2, k.allSatisfy({ $0 > 0 }),
      s.allSatisfy({ $0 > 0 }),
      p.allSatisfy({ $0 >= 0 })
    else { return "kernel and stride must be positive pairs, padding a non-negative pair" }
    let spatial: [Int] = (0..<2).map { (i: Int) -> Int in
      // Overflow-safe (x + 2p - k) / s + 1: sizes come from user files.
      let (twice, o1) = p[i].multipliedReportingOverflow(by: 2)
      let (padded, o2) = x[2 + i].addingReportingOverflow(twice)
      if o1 || o2 { return -1 }
      return (padded - k[i]) / s[i] + 1
    }
    guard spatial.allSatisfy({ $0 > 0 }) else {
      return "the window is larger than the padded input"
    }
    if kind == .conv2d {
      let groups = attributes.groups
      guard groups > 0, x[1] % groups == 0, y[1] % groups == 0 else {
        return "channels \(x[1]) → \(y[1]) are not divisible by groups \(groups)"
      }
      if x[0] != y[0] { return "batch changes from \(x[0]) to \(y[0])" }
      return spatial == [y[2], y[3]]
        ? nil : "output height×width: expected \(spatial), declared \([y[2], y[3]])"
    }
    return [x[0], x[1]] + spatial == y
      ? nil : "output shape: expected \([x[0], x[1]] + spatial), declared \(y)"
  }
}
