import TensorOptGraph

extension ExecutionStrategy {
  /// A data × tensor parallel strategy for any graph, Megatron-LM style, on a
  /// `[dataParallel, tensorParallel]` mesh (axes of extent 1 are dropped).
  ///
  /// The data axis splits every operator's `batch` dimension. The tensor axis
  /// follows a split of the last axis through the graph: a linear layer fed a
  /// replicated input splits `out` (column parallel) and one fed a split input
  /// splits `in` (row parallel, its partial sums are all-reduced by the next
  /// consumer); attention, element-wise operators and cross-entropy keep a split
  /// input split (`heads`, the axis's name, `vocab`); embeddings split `vocab`;
  /// normalisations are replicated. With `sequenceParallel`, normalisations,
  /// residual additions and dropout outside the tensor-parallel regions split the
  /// sequence instead (Megatron-LM's sequence parallelism: the re-layouts around
  /// them become all-gathers and reduce-scatters). Any choice that would not
  /// divide its dimension falls back to replication on that axis.
  public static func megatron(
    _ graph: Graph, dataParallel: Int, tensorParallel: Int, stageCount: Int = 1,
    sequenceParallel: Bool = false
  ) -> ExecutionStrategy {
    var extents: [Int] = []
    if dataParallel > 1 { extents.append(dataParallel) }
    if tensorParallel > 1 { extents.append(tensorParallel) }
    if extents.isEmpty { extents = [1] }
    let mesh = DeviceMesh(extents)
    let dataAxis: Int? = dataParallel > 1 ? 0 : nil
    let tensorAxis: Int? = tensorParallel > 1 ? extents.count - 1 : nil
    var configurations: [String: OpConfiguration] = [:]
    let program = FlatProgram(graph)
    var split = Array(repeating: false, count: program.values.count)
    for step in program.steps {
      let dimensions = step.op.parallelDimensions(
        inputs: step.inputs.map { program.values[$0].dimensions },
        output: program.values[step.output].dimensions)
      let inputSplit = step.inputs.allSatisfy { split[$0] } && !step.inputs.isEmpty
      var tensorChoice: String?
      switch step.op.kind {
      case .linear: tensorChoice = inputSplit ? "in" : "out"
      case .embedding: tensorChoice = "vocab"
      case .attention: tensorChoice = inputSplit ? "heads" : nil
      case .crossEntropy: tensorChoice = inputSplit ? "vocab" : nil
      case .gelu, .relu, .silu, .dropout, .add, .swiglu:
        if inputSplit,
          let last = dimensions.last(where: {
            $0.outputAxis == program.values[step.output].shape.count - 1
          })
        {
          tensorChoice = last.name
        }
      default: tensorChoice = nil
      }
      if sequenceParallel, tensorChoice == nil,
        [.layerNorm, .rmsNorm, .add, .dropout].contains(step.op.kind),
        dimensions.contains(where: { $0.name == "seq" })
      {
        tensorChoice = "seq"
      }
      var assignments = Array(repeating: String?.none, count: extents.count)
      if let dataAxis, dimensions.contains(where: { $0.name == "batch" }) {
        assignments[dataAxis] = "batch"
      }
      if let tensorAxis { assignments[tensorAxis] = tensorChoice }
      var configuration = OpConfiguration(assignments)
      if !configuration.isValid(for: dimensions, on: mesh), let tensorAxis {
        configuration.assignments[tensorAxis] = nil
      }
      if !configuration.isValid(for: dimensions, on: mesh) { configuration = .replicated(on: mesh) }
      configurations[step.configurationKey] = configuration
      let placement = configuration.placement(
        dimensions: dimensions, inputCount: step.inputs.count, on: mesh)
      split[step.output] =
        tensorAxis.map {
          placement.output.splitAxis[$0] == program.values[step.output].shape.count - 1
        } ?? false
    }
    return ExecutionStrategy(mesh: mesh, configurations: configurations, stageCount: stageCount)
  }
}
