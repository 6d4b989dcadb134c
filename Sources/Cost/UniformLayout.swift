import TensorOptGraph

/// Generates the uniform (dp, tp) strategies that `tensoropt evaluate` costs and
/// the search can reproduce exactly.
public enum UniformLayout {
  /// Megatron-style per-operator configurations on `mesh`, found by propagating
  /// layouts through the graph in topological order.
  ///
  /// On `dataAxis` every operator splits its `"batch"` dimension. On
  /// `tensorAxis` (let `L` be the layout an operator's first input arrives in):
  /// * `linear`: input split along its last axis → `"in"` (row-parallel, partial
  ///   output), otherwise `"out"` (column-parallel);
  /// * `attention`: input split along its last axis → `"heads"`;
  /// * `embedding` → `"vocab"`; `conv2d`: input split on channels → `"in_channels"`,
  ///   else `"channels"`;
  /// * with `sequenceParallel`, `add`, `dropout`, `layernorm` and `rmsnorm` whose
  ///   input is partial or already split along the sequence → the `"seq"` dimension
  ///   (a reduce-scatter replaces the all-reduce, an all-gather precedes the next
  ///   column-parallel linear);
  /// * any other operator follows an input's split when one of its parallel
  ///   dimensions indexes that axis (element-wise ops, norms over other axes,
  ///   `cross_entropy` on split logits → `"vocab"`), otherwise it is replicated.
  ///
  /// A choice whose dimension is not divisible by the axis extent falls back to
  /// replication (`nil`) on that axis. Block bodies are configured once, from the
  /// layout their input has in steady state (after one repetition).
  public static func megatron(
    graph: Graph, mesh: DeviceMesh, dataAxis: Int? = 0, tensorAxis: Int? = 1,
    sequenceParallel: Bool = false
  ) -> GraphConfiguration {
    let rule = Rule(
      mesh: mesh, dataAxis: dataAxis.flatMap { mesh.shape.indices.contains($0) ? $0 : nil },
      tensorAxis: tensorAxis.flatMap { mesh.shape.indices.contains($0) ? $0 : nil },
      sequenceParallel: sequenceParallel)
    return rule.configure(graph, inputLayouts: [:]).configuration
  }

  /// The layout each tensor of `graph` is produced in under `configuration`
  /// (graph inputs: `inputLayouts`, else replicated). Partial sums are kept.
  public static func producedLayouts(
    graph: Graph, configuration: GraphConfiguration, mesh: DeviceMesh,
    inputLayouts: [TensorID: TensorLayout] = [:]
  ) -> [TensorID: TensorLayout] {
    var layouts = inputLayouts
    for (index, node) in graph.nodes.enumerated() {
      switch (node.content, configuration.nodes[safe: index]) {
      case (.op(let op), .op(let config)?):
        let inputs = graph.inputTensors(of: node).map(\.shape)
        let dims = op.parallelDimensions(inputs: inputs, output: graph.outputTensor(of: node).shape)
        layouts[node.output] = config.outputLayout(dimensions: dims, on: mesh)
      case (.block(let block), .block(let body)?):
        let bodyIn = layouts[node.inputs[0]] ?? .replicated(meshAxes: mesh.shape.count)
        let inner = producedLayouts(
          graph: block.body, configuration: body, mesh: mesh,
          inputLayouts: [block.body.inputs[0]: bodyIn])
        layouts[node.output] = inner[block.body.outputs[0]] ?? bodyIn
      default:
        layouts[node.output] = .replicated(meshAxes: mesh.shape.count)
      }
    }
    return layouts
  }

  struct Rule {
    var mesh: DeviceMesh
    var dataAxis: Int?
    var tensorAxis: Int?
    var sequenceParallel: Bool

    func configure(
      _ graph: Graph, inputLayouts: [TensorID: TensorLayout]
    ) -> (configuration: GraphConfiguration, layouts: [TensorID: TensorLayout]) {
      let replicated = TensorLayout.replicated(meshAxes: mesh.shape.count)
      var layouts = inputLayouts
      var entries: [NodeConfiguration] = []
      for node in graph.nodes {
        switch node.content {
        case .op(let op):
          let inputs = node.inputs.map { layouts[$0] ?? replicated }
          let shapes = graph.inputTensors(of: node).map(\.shape)
          let dims = op.parallelDimensions(
            inputs: shapes, output: graph.outputTensor(of: node).shape)
          let config = choose(op, dims: dims, inputs: inputs, shapes: shapes)
          layouts[node.output] = config.outputLayout(dimensions: dims, on: mesh)
          entries.append(.op(config))
        case .block(let block):
          let body = block.body
          let first = layouts[node.inputs[0]] ?? replicated
          var pass = configure(body, inputLayouts: [body.inputs[0]: first])
          let out = pass.layouts[body.outputs[0]] ?? first
          if block.repeatCount > 1, out != first {
            pass = configure(body, inputLayouts: [body.inputs[0]: out])
          }
          layouts[node.output] = pass.layouts[body.outputs[0]] ?? out
          entries.append(.block(pass.configuration))
        }
      }
      return (GraphConfiguration(nodes: entries), layouts)
    }

    func choose(_ op: Operator, dims: [ParallelDimension], inputs: [TensorLayout], shapes: [Shape])
      -> OpConfiguration
    {
      var config = OpConfiguration.replicated(on: mesh)
      if let dataAxis, dims.contains(where: { $0.name == "batch" }) {
        config.assignments[dataAxis] = "batch"
        if !config.isValid(for: dims, on: mesh) { config.assignments[dataAxis] = nil }
      }
      if let tensorAxis, mesh.shape[tensorAxis] > 1 {
        config.assignments[tensorAxis] = tensorChoice(
          op, dims: dims, inputs: inputs, shapes: shapes, axis: tensorAxis)
        if !config.isValid(for: dims, on: mesh) { config.assignments[tensorAxis] = nil }
      }
      return config
    }

    func tensorChoice(
      _ op: Operator, dims: [ParallelDimension], inputs: [TensorLayout], shapes: [Shape], axis: Int
    ) -> String? {
      let split = inputs.map { $0.splitAxis[axis] }
      let partial = inputs.contains { $0.isPartial[axis] }
      let lastAxis = shapes.first.map { $0.count - 1 }
      let firstSplitOnLast =
        split.first.flatMap { $0 } != nil && split.first.flatMap { $0 } == lastAxis
      switch op.kind {
      case .linear:
        return firstSplitOnLast ? "in" : "out"
      case .attention:
        return firstSplitOnLast ? "heads" : nil
      case .embedding:
        return "vocab"
      case .conv2d:
        return split.first.flatMap { $0 } == 1 && dims.contains { $0.name == "in_channels" }
          ? "in_channels" : "channels"
      default:
        break
      }
      if sequenceParallel, [.add, .dropout, .layerNorm, .rmsNorm].contains(op.kind),
        let sequence = dims.first(where: { $0.kind == .sequence && !$0.isReduction })
      {
        let onSequence = zip(split, shapes).contains { axis, shape in
          axis.map { shape.indices.contains($0) && shape[$0].kind == .sequence } ?? false
        }
        if partial || onSequence { return sequence.name }
      }
      for (input, axisSplit) in split.enumerated() {
        guard let axisSplit else { continue }
        if let follow = dims.first(where: { $0.inputAxes[safe: input] == axisSplit }) {
          return follow.name
        }
      }
      return nil
    }
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
