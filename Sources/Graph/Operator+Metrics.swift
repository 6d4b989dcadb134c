extension Operator {
  /// Bytes per element of saved softmax statistics and loss probabilities, which
  /// frameworks keep in fp32 whatever the activation dtype.
  static let statisticsBytes = 4.0

  /// The operator's FLOPs, parameters and saved activations for the given
  /// input and output tensors.
  ///
  /// - Parameter floatBytes: bytes per floating-point activation element
  ///   (2 for bf16/fp16 training, 4 for fp32).
  public func metrics(inputs: [Tensor], output: Tensor, floatBytes: Int) -> OperatorMetrics {
    let outCount = output.shape.elementCountAsDouble
    let inBytes = inputs.reduce(0.0) { $0 + $1.byteCount(floatBytes: floatBytes) }
    let first = inputs.first?.shape ?? []
    let inCount = first.elementCountAsDouble
    let lastIn = Double(first.last?.size ?? 1)
    let lastOut = Double(output.shape.last?.size ?? 1)
    var m = OperatorMetrics()
    switch kind {
    case .embedding:
      m.parameters =
        attributes.tiedTo == nil ? attributes.rows &* (output.shape.last?.size ?? 0) : 0
      m.backwardFLOPs = outCount  // scatter-add of the output gradient into the table
      m.savedActivationBytes = inBytes
    case .linear:
      let rows = outCount / lastOut
      let biasFLOPs = attributes.bias ? outCount : 0
      let weights = Int(lastIn) &* Int(lastOut) &+ (attributes.bias ? Int(lastOut) : 0)
      m.parameters = attributes.tiedTo == nil ? weights : 0
      m.forwardFLOPs = 2 * rows * lastIn * lastOut + biasFLOPs
      m.backwardFLOPs = 4 * rows * lastIn * lastOut + biasFLOPs
      m.savedActivationBytes = inBytes
    case .matmul, .batchedMatmul:
      m.forwardFLOPs = 2 * outCount * lastIn
      m.backwardFLOPs = 2 * m.forwardFLOPs
      m.savedActivationBytes = inBytes
    case .attention:
      let a = attentionShape(input: first, output: output.shape)
      let scores = a.batch * Double(a.heads) * a.sequence * a.sequence
      m.forwardFLOPs = 4 * scores * a.headDim + 5 * scores
      m.backwardFLOPs = 8 * scores * a.headDim + 4 * scores
      m.savedActivationBytes = inBytes + scores * Double(floatBytes)
    case .layerNorm, .rmsNorm:
      let rows = inCount / lastIn
      let isLayerNorm = kind == .layerNorm
      m.parameters = Int(lastIn) &* (isLayerNorm && attributes.bias ? 2 : 1)
      m.forwardFLOPs = (isLayerNorm ? 5 : 4) * inCount
      m.backwardFLOPs = 2 * m.forwardFLOPs
      m.savedActivationBytes = inBytes + rows * (isLayerNorm ? 2 : 1) * Self.statisticsBytes
    case .gelu:
      (m.forwardFLOPs, m.backwardFLOPs, m.savedActivationBytes) = (
        8 * outCount, 8 * outCount, inBytes
      )
    case .silu:
      (m.forwardFLOPs, m.backwardFLOPs, m.savedActivationBytes) = (
        4 * outCount, 6 * outCount, inBytes
      )
    case .relu:
      (m.forwardFLOPs, m.backwardFLOPs) = (outCount, outCount)
      m.savedActivationBytes = output.byteCount(floatBytes: floatBytes)
    case .swiglu:
      (m.forwardFLOPs, m.backwardFLOPs, m.savedActivationBytes) = (
        5 * outCount, 8 * outCount, inBytes
      )
    case .dropout:
      (m.forwardFLOPs, m.backwardFLOPs, m.savedActivationBytes) = (outCount, outCount, outCount)
    case .add:
      m.forwardFLOPs = outCount
    case .softmax:
      (m.forwardFLOPs, m.backwardFLOPs) = (5 * outCount, 4 * outCount)
      m.savedActivationBytes = output.byteCount(floatBytes: floatBytes)
    case .crossEntropy:
      let rows = inCount / lastIn
      (m.forwardFLOPs, m.backwardFLOPs) = (5 * inCount + rows, 2 * inCount)
      m.savedActivationBytes = inCount * Self.statisticsBytes + rows * Double(DType.int32.byteCount)
    case .conv2d:
      let kernel = attributes.kernel.reduce(1.0) { $0 * Double($1) }
      let inChannels = first.count > 1 ? first[1].size : 1
      let perOutput = Double(inChannels / max(attributes.groups, 1)) * kernel
      let outChannels = output.shape.count > 1 ? output.shape[1].size : 1
      let biasFLOPs = attributes.bias ? outCount : 0
      let weights = Double(outChannels) * perOutput + (attributes.bias ? Double(outChannels) : 0)
      m.parameters = weights < 0x1p62 ? Int(weights) : Int.max
      m.forwardFLOPs = 2 * outCount * perOutput + biasFLOPs
      m.backwardFLOPs = 4 * outCount * perOutput + biasFLOPs
      m.savedActivationBytes = inBytes
    case .maxPool, .avgPool:
      let window = attributes.kernel.reduce(1.0) { $0 * Double($1) }
      (m.forwardFLOPs, m.backwardFLOPs, m.savedActivationBytes) = (
        outCount * window, inCount, inBytes
      )
    case .globalAvgPool:
      (m.forwardFLOPs, m.backwardFLOPs) = (inCount, inCount)
    case .batchNorm:
      let channels = first.count > 1 ? first[1].size : 1
      m.parameters = 2 &* channels
      m.forwardFLOPs = 5 * inCount
      m.backwardFLOPs = 2 * m.forwardFLOPs
      m.savedActivationBytes = inBytes + 2 * Double(channels) * Self.statisticsBytes
    case .flatten, .reshape:
      break
    }
    return m
  }

  /// The geometry of an attention operator: batch-like extent, sequence, heads.
  struct AttentionShape {
    var batch: Double
    var sequence: Double
    var heads: Int
    var kvHeads: Int
    var headDim: Double
  }

  func attentionShape(input: Shape, output: Shape) -> AttentionShape {
    let heads = max(attributes.heads, 1)
    let kvHeads = attributes.kvHeads > 0 ? attributes.kvHeads : heads
    let width = Double(output.last?.size ?? 0)
    let sequence = output.count >= 2 ? Double(output[output.count - 2].size) : 1
    let batch = output.elementCountAsDouble / max(width * sequence, 1)
    return AttentionShape(
      batch: batch, sequence: sequence, heads: heads, kvHeads: kvHeads,
      headDim: width / Double(heads))
  }
}
