import TensorOptGraph

extension Graph {
  /// The vocabulary size: the extent of the first tensor dimension labelled as a
  /// vocabulary (in this graph or a block body), or `nil` when there is none.
  public var vocabularySize: Int? {
    if let dimension = tensors.lazy.flatMap(\.shape).first(where: { $0.kind == .vocab }) {
      return dimension.size
    }
    for node in nodes {
      if let size = node.block?.body.vocabularySize { return size }
    }
    return nil
  }

  /// The graph with its vocabulary padded up to a multiple of `multiple`, as
  /// Megatron-LM does (`--make-vocab-size-divisible-by 128`, times the
  /// tensor-parallel degree) so that embedding, head and loss split evenly.
  ///
  /// Every tensor dimension of kind vocabulary with the vocabulary's extent, and
  /// every embedding with that many rows, grows to the padded size. A graph
  /// without a vocabulary, or already a multiple, is returned unchanged.
  public func paddingVocabulary(toMultipleOf multiple: Int) -> Graph {
    guard multiple > 1, let size = vocabularySize, size % multiple != 0 else { return self }
    return replacingVocabulary(size, with: (size + multiple - 1) / multiple * multiple)
  }

  func replacingVocabulary(_ size: Int, with padded: Int) -> Graph {
    let newTensors = tensors.map { tensor in
      var copy = tensor
      copy.shape = tensor.shape.map {
        $0.kind == .vocab && $0.size == size ? Dimension($0.label, padded) : $0
      }
      return copy
    }
    let newNodes = nodes.map { node in
      var copy = node
      switch node.content {
      case .op(var op):
        if op.kind == .embedding, op.attributes.rows == size { op.attributes.rows = padded }
        copy.content = .op(op)
      case .block(var block):
        block.body = block.body.replacingVocabulary(size, with: padded)
        copy.content = .block(block)
      }
      return copy
    }
    return Graph(tensors: newTensors, nodes: newNodes, inputs: inputs, outputs: outputs)
  }
}
