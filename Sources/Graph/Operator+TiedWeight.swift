/// Tied weights seen as one tensor: the owner's weight (an embedding table
/// `rows × dim` or a linear weight `in × out`) and how each operator that uses
/// it — the owner or a `tied_to` op — lays it out under a configuration.
///
/// A tied linear reads an embedding table transposed (GPT-2's LM head: its `out`
/// dimension is the table's rows, its `in` dimension the table's width); a
/// linear tied to a linear shares the orientation.
extension Operator {
  /// Which axis of the shared weight (in the owner's orientation) each of this
  /// operator's parallel dimensions splits, when the weight's owner is of kind
  /// `ownerKind`. Dimensions absent from the result do not split the weight
  /// (batch, sequence: the weight is replicated along them and its gradient is
  /// partial).
  public func sharedWeightAxes(ownerKind: OperatorKind) -> [String: Int] {
    switch (kind, ownerKind) {
    case (.embedding, _): ["vocab": 0, "out": 1]
    case (.linear, .embedding): ["out": 0, "in": 1]
    case (.linear, _): ["in": 0, "out": 1]
    default: [:]
    }
  }

  /// The weight this operator owns, as a tensor in its own orientation (the
  /// table `rows × dim` of an embedding, `in × out` of a linear, bias not
  /// included) called `name`, or `nil` for other kinds.
  public func ownedWeight(named name: String, inputs: [Shape], output: Shape, dtype: DType)
    -> Tensor?
  {
    guard let width = output.last else { return nil }
    switch kind {
    case .embedding:
      return Tensor(
        name: name, shape: [Dimension("vocab", attributes.rows), width], dtype: dtype)
    case .linear:
      guard let input = inputs.first?.last else { return nil }
      return Tensor(name: name, shape: [input, width], dtype: dtype)
    default:
      return nil
    }
  }
}

extension OpConfiguration {
  /// The layout of a shared weight under this configuration: along each mesh
  /// axis, the weight axis its dimension splits (``Operator/sharedWeightAxes(ownerKind:)``),
  /// or replication.
  public func weightLayout(axes: [String: Int]) -> TensorLayout {
    let split = assignments.map { name in name.flatMap { axes[$0] } }
    return TensorLayout(splitAxis: split, isPartial: split.map { _ in false })
  }
}

extension Graph {
  /// The top-level operator nodes that share a weight: for every node whose
  /// operator is `tied_to` another top-level operator node, the pair of node
  /// indices (owner first). Ties inside block bodies are not listed.
  public var tiedPairs: [(owner: Int, tied: Int)] {
    var index: [String: Int] = [:]
    for (position, node) in nodes.enumerated() where node.op != nil {
      index[node.name] = index[node.name] ?? position
    }
    return nodes.indices.compactMap { position in
      guard let target = nodes[position].op?.attributes.tiedTo, let owner = index[target],
        owner != position
      else { return nil }
      return (owner, position)
    }
  }
}
