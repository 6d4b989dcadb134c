import TensorOptGraph

/// A top-level operator that borrows another top-level operator's weight
/// (`tied_to`, e.g. GPT-2's LM head tied to the token embedding), located by
/// the layers that precede each of them.
///
/// When the two run on different pipeline stages, the tied operator's stage
/// keeps a replica of the weight, as Megatron-LM and the executor do: its
/// memory holds the weight's states (weights, gradients, optimizer state,
/// ZeRO-sharded as any parameter of the tied operator's layout), its data-parallel
/// synchronisation and optimizer step cover the replica, and every iteration
/// all-reduces the tied gradient between the two stages' corresponding devices
/// (exposed, in the tail with the gradient synchronisation).
public struct TiedWeight: Hashable, Sendable {
  /// The tied operator's node index in the top-level graph.
  public var tied: Int
  /// The owner's node index in the top-level graph.
  public var owner: Int
  /// Layers before the tied operator.
  public var tiedLayersBefore: Int
  /// Layers before the owner.
  public var ownerLayersBefore: Int

  /// The ties of `graph` whose operator and owner are both top-level operators
  /// (ties inside block bodies stay on one stage and are not listed).
  public static func ties(in graph: Graph) -> [TiedWeight] {
    var layersBefore: [Int] = []
    var layers = 0
    for node in graph.nodes {
      layersBefore.append(layers)
      layers += node.block?.repeatCount ?? 0
    }
    return graph.tiedPairs.map { pair in
      TiedWeight(
        tied: pair.tied, owner: pair.owner, tiedLayersBefore: layersBefore[pair.tied],
        ownerLayersBefore: layersBefore[pair.owner])
    }
  }

  /// The tied operator's node with its own weight (no `tied_to`): costing it
  /// gives the replica's states, synchronisation and optimizer step.
  public static func replica(of node: Node) -> Node {
    guard var op = node.op else { return node }
    op.attributes.tiedTo = nil
    var copy = node
    copy.content = .op(op)
    return copy
  }
}

extension AnalyticalStageCost {
  /// Seconds of the all-reduce of a tied weight's gradient (`parameters` local
  /// parameters) between this stage's device 0 and the device
  /// `partnerFirstDevice` (the same position on the other stage): a ring of two.
  public func tiedGradientAllReduce(parameters: Double, partnerFirstDevice: Int) -> Double {
    guard parameters > 0, partnerFirstDevice != firstDevice else { return 0 }
    let pair = cluster.group([firstDevice, partnerFirstDevice].sorted())
    return cluster.collectiveTime(
      .allReduce, bytes: parameters * options.stateBytes.gradients, group: pair)
  }
}
