import TensorOptGraph

/// Guards against models so large that parameter counts would overflow `Int`.
enum ParameterBudget {
  /// The most parameters a model may have (10^15, far beyond any real model).
  static let limit = 1e15

  /// Throws when the graph's parameters, counted in floating point, exceed ``limit``.
  static func check(_ graph: Graph) throws(ModelLoadError) {
    let count = estimate(graph)
    if !(count <= limit) {
      throw ModelLoadError(
        "parameters", "the model has about \(count) parameters, more than the limit of 10^15")
    }
  }

  /// Weights of every operator in floating point, blocks multiplied by their repeat counts.
  static func estimate(_ graph: Graph) -> Double {
    graph.nodes.reduce(0.0) { total, node in
      switch node.content {
      case .block(let block):
        return total + estimate(block.body) * Double(block.repeatCount)
      case .op(let op):
        let input = graph.tensors[node.inputs.first ?? node.output].shape
        let output = graph.tensors[node.output].shape
        let inWidth = Double(input.last?.size ?? 1)
        let outWidth = Double(output.last?.size ?? 1)
        switch op.kind {
        case .embedding: return total + Double(op.attributes.rows) * outWidth
        case .linear: return total + (inWidth + 1) * outWidth
        case .layerNorm, .rmsNorm: return total + 2 * inWidth
        case .batchNorm, .conv2d:
          let inChannels = input.count > 1 ? Double(input[1].size) : 1
          let outChannels = output.count > 1 ? Double(output[1].size) : 1
          let window = op.attributes.kernel.reduce(1.0) { $0 * Double($1) }
          return total + (inChannels * window + 2) * outChannels
        default: return total
        }
      }
    }
  }
}
