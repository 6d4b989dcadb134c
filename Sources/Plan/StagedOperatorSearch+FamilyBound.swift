import TensorOptCost
import TensorOptGraph
import TensorOptSearch

extension StagedOperatorSearch {
  /// What the family bound decides for a family.
  enum FamilyVerdict: Equatable, Sendable {
    /// Some pipeline of the family may reach the Pareto set: search it.
    case search
    /// Every pipeline of every split, on every mesh, is beaten: skip it.
    case skip
    /// No split of the family can be searched (its graph or cuts cannot be
    /// built, or a tied operator sits between layers: ``stageRanges(of:)``).
    case unbuildable
  }

  /// Whether `shape` (a family without its split) must be searched: `.skip`
  /// when every pipeline of every split ``splitFrontiers(of:pruning:)`` would
  /// search for it, on every stage mesh, is strictly dominated by a point of
  /// `staircase`.
  ///
  /// Each such pipeline is weakly dominated by a point of its family's
  /// ``familyFloor(_:mesh:searchingBody:memo:)``; each point is lowered by
  /// ``floorMargin`` (covering the search's rounding of costs) before the test.
  /// The cheap floor (node costs only) is tried first, then the one that
  /// searches the block's body.
  func verdict(on shape: PipelineFamily, staircase: Staircase, memo: inout FloorMemo)
    -> FamilyVerdict
  {
    guard let layout = stageRanges(of: shape) else { return .unbuildable }
    let scale = 1 - Self.floorMargin
    for searchingBody in [false, true] {
      let corners = familyCorners(layout, searchingBody: searchingBody, memo: &memo)
      if corners.allSatisfy({
        staircase.dominates(time: $0.time * scale, memory: $0.memory * scale)
      }) {
        return .skip
      }
    }
    return .search
  }

  /// The corners of ``familyFloor(_:mesh:searchingBody:memo:)`` on every stage
  /// mesh, in mesh order: lower-bound points of every pipeline of the family.
  func familyCorners(_ layout: StageRanges, searchingBody: Bool, memo: inout FloorMemo)
    -> [CostVector]
  {
    DeviceMesh.shapes(deviceCount: devices / layout.stages).flatMap {
      familyFloor(layout, mesh: $0, searchingBody: searchingBody, memo: &memo)
    }
  }

  /// Lower-bound points of every pipeline of every split of `layout`'s family
  /// on `mesh`: the corners over every split (``FloorFrontier/splitCorners(ranges:floors:layers:suffixes:)``)
  /// of its stages' floors, each stage's slower by the pipeline's slots times the
  /// least point-to-point transfer of the cuts on either side of it.
  ///
  /// A pipeline takes `slots · (max_s work_s + transfer) + max_s tail_s ≥
  /// slots · work_s + tail_s + slots · transfer_c` for every stage `s` and cut
  /// `c` (its transfer is its slowest cut's in its wire layout) and `max_s
  /// memory_s`; each stage's point is weakly dominated by a point of its
  /// floor, so the pipeline is weakly dominated by a corner.
  func familyFloor(
    _ layout: StageRanges, mesh: DeviceMesh, searchingBody: Bool, memo: inout FloorMemo
  ) -> [CostVector] {
    let p = layout.stages
    let slots = layout.shape.slots
    var floors: [[[CostVector]]] = []
    for stage in 0..<p {
      var list: [[CostVector]] = []
      for (index, range) in layout.ranges[stage].enumerated() {
        let item = layout.items[stage][index]
        var least = 0.0
        if stage > 0 {
          least = max(
            least,
            leastTransfer(layout, cut: range.start, after: stage - 1, mesh: mesh, memo: &memo))
        }
        if stage < p - 1 {
          least = max(
            least, leastTransfer(layout, cut: range.end, after: stage, mesh: mesh, memo: &memo))
        }
        let floor = stageFloor(
          item, stage: stage, mesh: mesh, searchingBody: searchingBody, memo: &memo)
        list.append(floor.map { CostVector(time: $0.time + slots * least, memory: $0.memory) })
      }
      floors.append(list)
    }
    return FloorFrontier.splitCorners(
      ranges: layout.ranges.map { $0.map { ($0.start, $0.end) } }, floors: floors,
      layers: layout.layers
    ).all
  }

  /// The least ``cutTransfer(_:after:wire:first:)`` of the activation crossing
  /// `cut` after stage `stage` on `mesh`, over every layout the crossing
  /// activations can travel in: the wire is a layout some stage's point reads
  /// or leaves one in, a boundary layout (``TensorLayout/candidates(for:on:)``)
  /// of a cut's tensor. Zero when nothing crosses.
  func leastTransfer(
    _ layout: StageRanges, cut: Int, after stage: Int, mesh: DeviceMesh, memo: inout FloorMemo
  ) -> Double {
    guard let id = layout.cutTensors[cut] else { return 0 }
    let tensor = layout.graph.tensors[id]
    let shapes = Set(layout.cutTensors.compactMap { $0.map { layout.graph.tensors[$0].shape } })
    let key = FloorMemo.TransferKey(
      mesh: mesh, stages: layout.stages, stage: stage, shape: tensor.shape,
      bytes: tensor.byteCount(floatBytes: request.dtype.activationBytes), wireShapes: shapes)
    if let known = memo.transfers[key] { return known }
    let first = costModel(layout.items[0][0], stage: 0, mesh: mesh).base
    let wires = Set(shapes.flatMap { TensorLayout.candidates(for: $0, on: mesh) })
    let least = wires.map { cutTransfer(tensor, after: stage, wire: $0, first: first) }.min() ?? 0
    memo.transfers[key] = least
    return least
  }

  /// The relative amount a family bound's corner is lowered by: well above
  /// the search's rounding of each node and edge cost to 2⁻⁴⁰ s.
  static let floorMargin = 1e-6

  /// A lower-bound frontier of stage `stage` of `item` on `mesh` in the stage
  /// search's objective (`slots · work + tail`, memory), with the largest of its
  /// operators' least workspaces added to the memory (a strategy's workspace is
  /// the largest of its operators').
  ///
  /// The cheap floor is the Pareto set of the sums of one point per top-level
  /// operator (its node cost under one configuration) and per repetition of its
  /// block (``repetitionFloor(_:stage:of:model:key:searchingBody:memo:)``), edges
  /// left out. With `searchingBody`, ``searchedFloor(_:stage:mesh:memo:)``
  /// (top-level edges priced, the body searched). Every strategy of the stage
  /// costs the sum of its nodes' and edges' costs, none negative, so it is
  /// weakly dominated by a point of either; a stage's point in a pipeline
  /// (``StageCandidate``) costs at least the search's cost (the re-layouts to
  /// the wire only add). `[.zero]` (no bound) when a body cannot be built.
  func stageFloor(
    _ item: Prepared, stage: Int, mesh: DeviceMesh, searchingBody: Bool, memo: inout FloorMemo
  ) -> [CostVector] {
    let stageKey = FloorMemo.StageFloorKey(
      stage: key(item, stage: stage, mesh: mesh), searchingBody: searchingBody)
    if let known = memo.stages[stageKey] { return known }
    let model = costModel(item, stage: stage, mesh: mesh)
    let graph = item.stages[stage].graph
    func floorKey(_ name: String, searchingBody: Bool) -> FloorMemo.Key {
      var modelKey = stageKey.stage
      modelKey.nodes = []
      modelKey.tiedPartners = modelKey.tiedPartners.filter { $0.key == name }
      return FloorMemo.Key(model: modelKey, name: name, searchingBody: searchingBody)
    }
    // The largest of the operators' least workspaces: every strategy's
    // workspace (the largest of its operators') is at least this.
    var workspace = 0.0
    for node in graph.nodes {
      if case .block(let block) = node.content {
        for (index, bodyNode) in block.body.nodes.enumerated() {
          let key = floorKey("\(node.name)/\(index)/\(bodyNode.name)", searchingBody: false)
          workspace = max(
            workspace,
            nodeCosts(bodyNode, in: block.body, model: model, key: key, memo: &memo).workspace)
        }
      } else {
        let key = floorKey(node.name, searchingBody: false)
        workspace = max(
          workspace, nodeCosts(node, in: graph, model: model, key: key, memo: &memo).workspace)
      }
    }
    var total: [CostVector] = [.zero]
    if searchingBody, let searched = searchedFloor(item, stage: stage, mesh: mesh, memo: &memo) {
      total = searched
    } else {
      for node in graph.nodes {
        let key = floorKey(node.name, searchingBody: searchingBody)
        switch node.content {
        case .op:
          total = FloorFrontier.sum(
            total, nodeCosts(node, in: graph, model: model, key: key, memo: &memo).costs)
        case .block(let block):
          guard
            let one = repetitionFloor(
              block, stage: stage, of: item, model: model, key: key, searchingBody: searchingBody,
              memo: &memo)
          else {
            memo.stages[stageKey] = [.zero]
            return [.zero]
          }
          var powers = memo.powers[key] ?? [one]
          total = FloorFrontier.sum(
            total, FloorMemo.power(&powers, count: block.repeatCount))
          memo.powers[key] = powers
        }
      }
    }
    total = total.map { CostVector(time: $0.time, memory: $0.memory + workspace) }
    memo.stages[stageKey] = total
    return total
  }

  /// The Pareto set of one operator's node costs over every configuration on
  /// the model's mesh (a superset of those a search admits), and the least
  /// transient workspace of those configurations.
  func nodeCosts(
    _ node: Node, in graph: Graph, model: PipelineStageCost, key: FloorMemo.Key,
    memo: inout FloorMemo
  ) -> (costs: [CostVector], workspace: Double) {
    if let known = memo.nodes[key] { return known }
    guard case .op(let op) = node.content else { return ([.zero], 0) }
    let dimensions = op.parallelDimensions(
      inputs: graph.inputTensors(of: node).map(\.shape), output: graph.outputTensor(of: node).shape)
    var costs: [CostVector] = []
    var workspace = Double.infinity
    for configuration in OpConfiguration.all(for: dimensions, on: model.mesh) {
      let parts = model.parts(of: node, in: graph, configuration: configuration)
      costs.append(model.cost(of: parts))
      workspace = min(workspace, parts.cost.workspaceBytes)
    }
    let result = (FloorFrontier.pareto(costs), workspace.isFinite ? workspace : 0)
    memo.nodes[key] = result
    return result
  }

  /// A floor of one repetition of `block` in stage `stage` of `item`, or `nil`
  /// when its body cannot be built (a nested block).
  ///
  /// Without `searchingBody`: the sums of one node cost per body operator (edges
  /// left out). With it: the body searched (``repetitionFloor(of:)``).
  func repetitionFloor(
    _ block: Block, stage: Int, of item: Prepared, model: PipelineStageCost, key: FloorMemo.Key,
    searchingBody: Bool, memo: inout FloorMemo
  ) -> [CostVector]? {
    if let known = memo.powers[key]?.first { return known }
    var one: [CostVector] = [.zero]
    if searchingBody {
      guard
        let problem = try? StageProblem(
          graph: item.stages[stage].graph, costModel: model, memo: bodies),
        let body = problem.blocks.first(where: { problem.graph.nodes[$0.node].name == key.name })
      else { return nil }
      one = Self.repetitionFloor(of: body)
    } else {
      for (index, node) in block.body.nodes.enumerated() {
        guard case .op = node.content else { return nil }
        var nodeKey = key
        nodeKey.name = "\(key.name)/\(index)/\(node.name)"
        one = FloorFrontier.sum(
          one, nodeCosts(node, in: block.body, model: model, key: nodeKey, memo: &memo).costs)
      }
    }
    memo.powers[key] = [one]
    return one
  }
}

extension StagedOperatorSearch {
  /// The leanest point of `shape`'s family floor (the least memory, then the
  /// least time, of every corner over every split and mesh, with the body
  /// searched), or `nil` when no split can be built: how far down in memory
  /// the family might reach (an order to search families in, not a bound).
  func leanestCorner(on shape: PipelineFamily, memo: inout FloorMemo) -> CostVector? {
    guard let layout = stageRanges(of: shape) else { return nil }
    return familyCorners(layout, searchingBody: true, memo: &memo).min {
      ($0.memory, $0.time) < ($1.memory, $1.time)
    }
  }
}
