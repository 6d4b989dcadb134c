import TensorOptGraph

extension StageCostModel {
  /// The extra cost of operator node `tied` (a `tied_to` op) using the weight
  /// of node `owner`, both of `graph`, under their configurations.
  ///
  /// The owner stores the weight in its layout and pays for its states and
  /// gradient synchronisation. When the tied operator wants the weight in
  /// another layout it keeps a copy, re-laid from the owner's each iteration,
  /// and returns its gradient into the owner's layout; when the layouts agree,
  /// only the tied gradient's partial sums along axes the owner's
  /// synchronisation does not reduce must be reduced. Both are priced by
  /// ``tiedWeightCost(of:stored:used:gradient:)``. Zero for nodes that are not
  /// an embedding or linear pair, or for an invalid configuration (whose node
  /// cost is already infinite).
  public func tiedWeightCost(
    owner: Node, configuration ownerConfiguration: OpConfiguration, tied: Node,
    configuration tiedConfiguration: OpConfiguration, in graph: Graph
  ) -> CostVector {
    guard let ownerOp = owner.op, let tiedOp = tied.op,
      let weight = ownerOp.ownedWeight(
        named: owner.name, inputs: graph.inputTensors(of: owner).map(\.shape),
        output: graph.outputTensor(of: owner).shape, dtype: .fp32),
      let ownerPlacement = placement(of: owner, in: graph, configuration: ownerConfiguration),
      let tiedPlacement = placement(of: tied, in: graph, configuration: tiedConfiguration)
    else { return .zero }
    let stored = ownerConfiguration.weightLayout(
      axes: ownerOp.sharedWeightAxes(ownerKind: ownerOp.kind))
    let used = tiedConfiguration.weightLayout(
      axes: tiedOp.sharedWeightAxes(ownerKind: ownerOp.kind))
    var gradient = used
    for axis in tiedPlacement.gradientSyncAxes
    where !ownerPlacement.gradientSyncAxes.contains(axis) && used.splitAxis[axis] == nil {
      gradient.isPartial[axis] = true
    }
    return tiedWeightCost(of: weight, stored: stored, used: used, gradient: gradient)
  }

  /// The placement of operator node `node` under `configuration`, or `nil` when
  /// the configuration is invalid for it.
  func placement(of node: Node, in graph: Graph, configuration: OpConfiguration)
    -> OperatorPlacement?
  {
    guard let op = node.op else { return nil }
    let inputs = graph.inputTensors(of: node)
    let dimensions = op.parallelDimensions(
      inputs: inputs.map(\.shape), output: graph.outputTensor(of: node).shape)
    guard configuration.isValid(for: dimensions, on: mesh) else { return nil }
    return configuration.placement(dimensions: dimensions, inputCount: inputs.count, on: mesh)
  }
}
