import TensorOptGraph

/// A parallel strategy for one pipeline stage: a device mesh and, per operator, a
/// configuration.
///
/// Configurations are keyed by node name; a node inside a block's body is keyed
/// `"block/node"` and every repetition of the block uses that configuration.
/// Operators without an entry are replicated.
public struct Strategy: Sendable, Hashable {
  /// The devices and their arrangement.
  public var mesh: DeviceMesh
  /// Per operator, its configuration.
  public var configurations: [String: OpConfiguration]

  /// Creates a strategy.
  public init(mesh: DeviceMesh, configurations: [String: OpConfiguration] = [:]) {
    self.mesh = mesh
    self.configurations = configurations
  }

  /// One device, every operator replicated: the numerics reference.
  public static let singleDevice = Strategy(mesh: DeviceMesh([1]))
}

/// Options of an executor run.
public struct ExecutionOptions: Sendable, Hashable {
  /// Seeds parameters, inputs and labels.
  public var seed: UInt64 = 42
  /// Seconds any wait for another worker may last before the run fails.
  public var timeout: Double = 60

  /// The defaults above.
  public init() {}
}

/// Everything the executor decides before starting the workers: the unrolled
/// program and, per step, its configuration, placement and parameters.
struct ExecutionPlan: Sendable {
  struct StepPlan: Sendable {
    var configuration: OpConfiguration
    var placement: OperatorPlacement
    var specs: [ParameterSpec]
  }

  let program: FlatProgram
  let mesh: DeviceMesh
  let steps: [StepPlan]

  /// Validates `strategy` against `graph`; throws before anything is allocated.
  init(graph: Graph, strategy: Strategy) throws(ExecutorError) {
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
        strategy.configurations[step.configurationKey] ?? .replicated(on: strategy.mesh)
      guard configuration.isValid(for: dimensions, on: strategy.mesh) else {
        throw .unsupported(
          "\(step.configurationKey): configuration [\(configuration)] is not valid on mesh \(strategy.mesh) (dimensions: \(dimensions.map(\.name)))"
        )
      }
      let placement = configuration.placement(
        dimensions: dimensions, inputCount: step.inputs.count, on: strategy.mesh)
      let specs = try ParameterSpec.specs(
        for: step.op, inputs: inputShapes, output: outputShape, configuration: configuration,
        placement: placement,
        stepName: step.name)
      plans.append(StepPlan(configuration: configuration, placement: placement, specs: specs))
    }
    steps = plans
  }

  /// The layout a value's gradient must have: its producer's output layout with
  /// partial sums resolved (replicated along those axes); model inputs are replicated.
  func gradientLayout(of value: Int) -> TensorLayout {
    guard let producer = program.values[value].producer else {
      return .replicated(meshAxes: mesh.shape.count)
    }
    return steps[producer].placement.output.withoutPartials
  }
}
