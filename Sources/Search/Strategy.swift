import TensorOptGraph

/// A complete, replayable operator-level strategy for one stage: a
/// configuration for every operator (per repetition inside blocks) and a
/// layout for every block-boundary tensor.
public struct Strategy: Hashable, Sendable {
  /// The stage's device mesh.
  public var mesh: DeviceMesh
  /// The configuration of each top-level operator, by node name.
  public var operators: [String: OpConfiguration] = [:]
  /// The layout of each top-level block-boundary tensor, by tensor name.
  public var tensors: [String: TensorLayout] = [:]
  /// The choices inside each block, by block node name.
  public var blocks: [String: BlockStrategy] = [:]

  /// An empty strategy on `mesh`.
  public init(mesh: DeviceMesh) { self.mesh = mesh }

  /// Every operator configuration with its multiplicity (top-level operators
  /// once, block operators once per repetition).
  public var configurationCounts: [OpConfiguration: Int] {
    var counts: [OpConfiguration: Int] = [:]
    for configuration in operators.values { counts[configuration, default: 0] += 1 }
    for block in blocks.values {
      for perRepetition in block.operators.values {
        for configuration in perRepetition { counts[configuration, default: 0] += 1 }
      }
    }
    return counts
  }

  /// A one-line description: the mesh and the most frequent configurations,
  /// e.g. `mesh 2x4: batch,out×20 batch,in×19 …`.
  public var summary: String {
    let counts = configurationCounts.sorted {
      ($1.value, $0.key.description) < ($0.value, $1.key.description)
    }
    let shown = counts.prefix(4).map { "\($0.key)×\($0.value)" }
    let more = counts.count > 4 ? " +\(counts.count - 4) more" : ""
    return "mesh \(mesh): " + shown.joined(separator: " ") + more
  }
}

/// The choices inside one repeated block.
public struct BlockStrategy: Hashable, Sendable {
  /// How many times the block repeats.
  public var repeatCount: Int
  /// For each body operator, its configuration in each repetition.
  public var operators: [String: [OpConfiguration]]
  /// The layouts of the tensors between consecutive repetitions
  /// (`repeatCount − 1` of them).
  public var boundaries: [TensorLayout]

  /// Creates a block strategy.
  public init(repeatCount: Int, operators: [String: [OpConfiguration]], boundaries: [TensorLayout])
  {
    self.repeatCount = repeatCount
    self.operators = operators
    self.boundaries = boundaries
  }

  /// Whether every repetition uses the same configurations.
  public var isUniform: Bool {
    operators.values.allSatisfy { Set($0).count <= 1 } && Set(boundaries).count <= 1
  }
}

extension StageProblem {
  /// The strategy a frontier point's trace describes.
  public func strategy(for trace: StrategyTrace) -> Strategy {
    var strategy = Strategy(mesh: mesh)
    for node in graph.nodes {
      guard let block = node.block else { continue }
      let replicated = TensorLayout.replicated(meshAxes: mesh.shape.count)
      let placeholder = OpConfiguration.replicated(on: mesh)
      var operators: [String: [OpConfiguration]] = [:]
      for bodyNode in block.body.nodes {
        operators[bodyNode.name] = Array(repeating: placeholder, count: block.repeatCount)
      }
      strategy.blocks[node.name] = BlockStrategy(
        repeatCount: block.repeatCount, operators: operators,
        boundaries: Array(repeating: replicated, count: max(block.repeatCount - 1, 0)))
    }
    for pick in trace.picks {
      if pick.scopes.isEmpty {
        record(
          nodes[pick.node], configuration: pick.configuration, repetition: pick.repetition,
          in: &strategy)
      } else if blocks.indices.contains(pick.scopes[0]) {
        let body = blocks[pick.scopes[0]]
        record(
          body.nodes[pick.node], configuration: pick.configuration, repetition: pick.repetition,
          in: &strategy)
      }
    }
    return strategy
  }

  private func record(
    _ node: ProblemNode, configuration: Int, repetition: Int, in strategy: inout Strategy
  ) {
    let repetition = repetition + node.location.repetition
    let block = node.location.block.map { graph.nodes[$0] }
    switch node.content {
    case .op(let index, let configurations, _):
      if let block, let body = block.block {
        strategy.blocks[block.name]?.operators[body.body.nodes[index].name]?[repetition] =
          configurations[configuration]
      } else {
        strategy.operators[graph.nodes[index].name] = configurations[configuration]
      }
    case .tensor(let id, let boundary, let layouts):
      if let boundary, let block {
        let number = repetition + boundary
        if let count = strategy.blocks[block.name]?.boundaries.count, number >= 1, number <= count {
          strategy.blocks[block.name]?.boundaries[number - 1] = layouts[configuration]
        }
      } else if boundary == nil {
        strategy.tensors[graph.tensors[id].name] = layouts[configuration]
      }
    }
  }
}
