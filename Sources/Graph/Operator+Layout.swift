/// The layouts an operator produces and needs under one configuration.
public struct OperatorPlacement: Hashable, Sendable {
  /// The layout of the output as computed (partial along reduction axes).
  public var output: TensorLayout
  /// The layout each input must have.
  public var inputs: [TensorLayout]
  /// The layout of each input's gradient as backward produces it (partial along
  /// axes whose split dimension does not index that input).
  public var inputGradients: [TensorLayout]
  /// Into how many pieces the parameters are split.
  public var parameterSplit: Int
  /// Mesh axes along which parameter gradients are partial and must be
  /// all-reduced (the axes that split a dimension other than the parameters').
  public var gradientSyncAxes: [Int]
  /// How many ways the operator's work is divided (replicated axes repeat it).
  public var workDivisor: Int

  /// Creates a placement.
  public init(
    output: TensorLayout, inputs: [TensorLayout], inputGradients: [TensorLayout],
    parameterSplit: Int,
    gradientSyncAxes: [Int], workDivisor: Int
  ) {
    self.output = output
    self.inputs = inputs
    self.inputGradients = inputGradients
    self.parameterSplit = parameterSplit
    self.gradientSyncAxes = gradientSyncAxes
    self.workDivisor = workDivisor
  }
}

extension OpConfiguration {
  /// The layouts implied by this configuration for an operator with the given
  /// partitionable dimensions and `inputCount` inputs.
  ///
  /// The configuration must be valid for `dimensions` (see ``isValid(for:on:)``).
  public func placement(
    dimensions: [ParallelDimension], inputCount: Int, on mesh: DeviceMesh
  ) -> OperatorPlacement {
    let axes = mesh.shape.count
    let output = outputLayout(dimensions: dimensions, on: mesh)
    let replicated = TensorLayout.replicated(meshAxes: axes)
    // Literals for one or two inputs (see `TensorLayout.replicated(meshAxes:)`).
    var inputs =
      inputCount == 1
      ? [replicated]
      : inputCount == 2
        ? [replicated, replicated] : Array(repeating: replicated, count: inputCount)
    var gradients = inputs
    var parameterSplit = 1
    var syncAxes: [Int] = []
    for (axis, name) in assignments.enumerated() {
      guard let name, let dimension = dimensions.first(where: { $0.name == name }) else { continue }
      for input in 0..<inputCount {
        let inputAxis =
          dimension.inputAxes.indices.contains(input) ? dimension.inputAxes[input] : nil
        if let inputAxis {
          inputs[input].splitAxis[axis] = inputAxis
          gradients[input].splitAxis[axis] = inputAxis
        } else {
          gradients[input].isPartial[axis] = true
        }
      }
      if dimension.splitsParameters {
        parameterSplit *= mesh.shape[axis]
      } else {
        syncAxes.append(axis)
      }
    }
    return OperatorPlacement(
      output: output, inputs: inputs, inputGradients: gradients, parameterSplit: parameterSplit,
      gradientSyncAxes: syncAxes, workDivisor: workDivisor(on: mesh))
  }

  /// The layout of the output as computed: the ``OperatorPlacement/output`` of
  /// ``placement(dimensions:inputCount:on:)``, without building the rest.
  public func outputLayout(dimensions: [ParallelDimension], on mesh: DeviceMesh) -> TensorLayout {
    var output = TensorLayout.replicated(meshAxes: mesh.shape.count)
    for (axis, name) in assignments.enumerated() {
      guard let name, let dimension = dimensions.first(where: { $0.name == name }) else { continue }
      if let outputAxis = dimension.outputAxis { output.splitAxis[axis] = outputAxis }
      if dimension.isReduction { output.isPartial[axis] = true }
    }
    return output
  }
}
