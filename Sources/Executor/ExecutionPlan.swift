import TensorOptGraph

/// Everything the executor decides before starting the workers: the unrolled
/// program, the stage of every step and, per step, its configuration, placement
/// and parameters. Building it validates the strategy, so a bad strategy is
/// refused before anything is allocated.
struct ExecutionPlan: Sendable {
  struct StepPlan: Sendable {
    var configuration: OpConfiguration
    var placement: OperatorPlacement
    var specs: [ParameterSpec]
    /// For a linear layer tied to another operator's weight, how it borrows it.
    var tie: Tie?
  }

  /// How a tied linear layer uses another operator's weight: the owner's weight
  /// is re-laid out into the layout the linear layer's configuration needs
  /// (`[vocab, hidden]` read transposed for an embedding table), and the gradient
  /// of that view, partial along the linear layer's sync axes, goes back to the
  /// owner's layout and is added to the owner's gradient.
  struct Tie: Sendable {
    /// The step owning the weight (its parameter 0).
    var owner: Int
    /// Whether the weight is stored `[out, in]` (an embedding table).
    var transposed: Bool
    /// The whole weight's shape as the owner stores it.
    var shape: [Int]
    /// The owner's layout of the weight.
    var ownerLayout: TensorLayout
    /// The layout the tied layer needs.
    var viewLayout: TensorLayout
    /// The tied layer's gradient-sync axes.
    var syncAxes: [Int]
  }

  let program: FlatProgram
  let mesh: DeviceMesh
  let steps: [StepPlan]
  /// Pipeline stages (device groups).
  let stageCount: Int
  /// Model chunks per stage.
  let chunks: Int
  /// The virtual stage of each step (`stageCount · chunks` of them).
  let virtualStageOfStep: [Int]
  /// The stage (device group) of each step: its virtual stage modulo `stageCount`.
  let stageOfStep: [Int]
  /// For each value, the virtual stages other than its producer's that consume it, ascending.
  let remoteConsumers: [[Int]]
  /// Per weight owner, the tied steps on other pipeline stages: each keeps a replica
  /// of the weight (as Megatron-LM keeps the embedding on the first and last stage),
  /// sends its gradient contribution to the owner and applies the owner's summed
  /// gradient to its replica.
  let remoteTies: [Int: [Int]]

  init(graph: Graph, strategy: ExecutionStrategy) throws(ExecutorError) {
    let program = FlatProgram(graph)
    self.program = program
    mesh = strategy.mesh
    guard let loss = program.outputs.first, program.values[loss].shape.isEmpty else {
      throw .unsupported("the graph's first output must be a scalar loss")
    }
    var plans: [StepPlan] = []
    for step in program.steps {
      let inputShapes = step.inputs.map { program.values[$0].shape }
      let outputShape = program.values[step.output].shape
      let dimensions = step.op.parallelDimensions(
        inputs: step.inputs.map { program.values[$0].dimensions },
        output: program.values[step.output].dimensions)
      let configuration =
        strategy.configurations[step.name] ?? strategy.configurations[step.configurationKey]
        ?? .replicated(on: strategy.mesh)
      guard configuration.isValid(for: dimensions, on: strategy.mesh) else {
        throw .unsupported(
          "\(step.configurationKey): configuration [\(configuration)] is not valid on mesh \(strategy.mesh) (dimensions: \(dimensions.map(\.name)))"
        )
      }
      if [.conv2d, .maxPool, .avgPool].contains(step.op.kind),
        configuration.assignments.contains(where: { $0 == "height" || $0 == "width" })
      {
        throw .unsupported(
          "\(step.configurationKey): splitting a window's height or width (halo exchange) is not supported by the executor"
        )
      }
      let placement = configuration.placement(
        dimensions: dimensions, inputCount: step.inputs.count, on: strategy.mesh)
      let specs = try ParameterSpec.specs(
        for: step.op, inputs: inputShapes, output: outputShape, configuration: configuration,
        placement: placement,
        stepName: step.name)
      plans.append(
        StepPlan(configuration: configuration, placement: placement, specs: specs, tie: nil))
    }
    for (index, step) in program.steps.enumerated() {
      guard let target = step.op.attributes.tiedTo else { continue }
      plans[index].tie = try Self.tie(
        step: index, target: target, program: program, plans: plans, mesh: strategy.mesh)
    }
    steps = plans

    stageCount = strategy.stageCount
    chunks = strategy.chunksPerStage
    let virtualStages = stageCount * chunks
    guard stageCount >= 1, chunks >= 1, virtualStages <= program.steps.count else {
      throw .unsupported(
        "\(stageCount) pipeline stages × \(chunks) chunks for \(program.steps.count) operators")
    }
    let starts = strategy.stageStarts ?? Self.balancedStarts(program, stages: virtualStages)
    guard starts.count == virtualStages - 1,
      zip([0] + starts, starts + [program.steps.count]).allSatisfy({ $0 < $1 })
    else {
      throw .unsupported(
        "stage starts \(starts) do not cut \(program.steps.count) operators into \(virtualStages) stages"
      )
    }
    let virtualStageOfStep = program.steps.indices.map { index in
      starts.filter { $0 <= index }.count
    }
    self.virtualStageOfStep = virtualStageOfStep
    let stages = stageCount
    stageOfStep = virtualStageOfStep.map { $0 % stages }
    var consumers = Array(repeating: [Int](), count: program.values.count)
    for (index, step) in program.steps.enumerated() {
      for input in step.inputs {
        let producerStage = program.values[input].producer.map { virtualStageOfStep[$0] }
        let stage = virtualStageOfStep[index]
        if let producerStage, producerStage != stage, !consumers[input].contains(stage) {
          consumers[input].append(stage)
        }
      }
    }
    remoteConsumers = consumers.map { $0.sorted() }
    var remote: [Int: [Int]] = [:]
    for (index, plan) in plans.enumerated() {
      if let tie = plan.tie, stageOfStep[tie.owner] != stageOfStep[index] {
        remote[tie.owner, default: []].append(index)
      }
    }
    remoteTies = remote
    if let lossProducer = program.values[loss].producer,
      virtualStageOfStep[lossProducer] != virtualStages - 1
    {
      throw .unsupported("the loss must be computed by the last stage")
    }
  }

  /// The tie of linear step `index` to the operator named `target`.
  static func tie(
    step index: Int, target: String, program: FlatProgram, plans: [StepPlan], mesh: DeviceMesh
  ) throws(ExecutorError) -> Tie {
    let step = program.steps[index]
    let owners = program.steps.indices.filter {
      (program.steps[$0].name == target || program.steps[$0].configurationKey == target)
        && $0 != index
    }
    guard owners.count == 1, let owner = owners.first, let weight = plans[owner].specs.first,
      program.steps[owner].op.attributes.tiedTo == nil
    else {
      throw .unsupported(
        "\(step.name): tied_to '\(target)' does not name one operator owning a weight")
    }
    let transposed = program.steps[owner].op.kind == .embedding
    let inWidth = program.values[step.inputs[0]].shape.last ?? 0
    let outWidth = program.values[step.output].shape.last ?? 0
    guard weight.shape == (transposed ? [outWidth, inWidth] : [inWidth, outWidth]) else {
      throw .unsupported(
        "\(step.name): tied weight \(weight.shape) does not fit a \(inWidth)→\(outWidth) linear layer"
      )
    }
    var view = TensorLayout.replicated(meshAxes: mesh.shape.count)
    for (axis, name) in plans[index].configuration.assignments.enumerated() {
      if name == "out" { view.splitAxis[axis] = transposed ? 0 : 1 }
      if name == "in" { view.splitAxis[axis] = transposed ? 1 : 0 }
    }
    return Tie(
      owner: owner, transposed: transposed, shape: weight.shape,
      ownerLayout: weight.layout(meshAxes: mesh.shape.count),
      viewLayout: view, syncAxes: plans[index].placement.gradientSyncAxes)
  }

  /// Stage starts giving each stage about the same forward FLOPs.
  static func balancedStarts(_ program: FlatProgram, stages: Int) -> [Int] {
    let flops = program.steps.map { step -> Double in
      let inputs = step.inputs.map {
        Tensor(name: "", shape: program.values[$0].dimensions, dtype: program.values[$0].dtype)
      }
      let value = program.values[step.output]
      let output = Tensor(name: "", shape: value.dimensions, dtype: value.dtype)
      return max(step.op.metrics(inputs: inputs, output: output, floatBytes: 4).forwardFLOPs, 1)
    }
    let total = flops.reduce(0, +)
    var starts: [Int] = []
    var running = 0.0
    for (index, value) in flops.enumerated() {
      let target = total * Double(starts.count + 1) / Double(stages)
      if starts.count < stages - 1, index > (starts.last ?? 0), running >= target - value / 2 {
        starts.append(index)
      }
      running += value
    }
    while starts.count < stages - 1 {
      starts.append(program.steps.count - (stages - 1 - starts.count))
    }
    return starts
  }

  /// The layout a value's gradient must have: its producer's output layout with
  /// partial sums resolved (replicated along those axes); model inputs are replicated.
  func gradientLayout(of value: Int) -> TensorLayout {
    guard let producer = program.values[value].producer else {
      return .replicated(meshAxes: mesh.shape.count)
    }
    return steps[producer].placement.output.withoutPartials
  }

  /// The virtual stage producing a value (`nil` for model inputs).
  func stage(producing value: Int) -> Int? {
    program.values[value].producer.map { virtualStageOfStep[$0] }
  }
}
