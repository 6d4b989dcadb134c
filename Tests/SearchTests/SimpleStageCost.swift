import TensorOptCost
import TensorOptGraph

/// A small analytical cost model for tests (not a product fallback): compute
/// divided by the work split, ring collectives for gradient synchronisation and
/// re-layouts, memory = 16 bytes per parameter share + saved activations share.
/// Every cost is rounded to a whole number (nanoseconds, bytes), so sums are
/// exact in any order.
struct SimpleStageCost: StageCostModel, Hashable {
  var mesh: DeviceMesh
  var flopsPerSecond = 1e14
  var bandwidth = [1e10, 1e11]  // per mesh axis; the last axis is the fast one
  var floatBytes = 2

  init(mesh: DeviceMesh) {
    self.mesh = mesh
  }

  private func axisBandwidth(_ axis: Int) -> Double {
    mesh.shape.count == 1 ? bandwidth[1] : bandwidth[axis]
  }

  func cost(of node: Node, in graph: Graph, configuration: OpConfiguration) -> CostVector {
    guard let op = node.op else { return .zero }
    let inputs = graph.inputTensors(of: node)
    let output = graph.outputTensor(of: node)
    let metrics = op.metrics(inputs: inputs, output: output, floatBytes: floatBytes)
    let dimensions = op.parallelDimensions(inputs: inputs.map(\.shape), output: output.shape)
    let placement = configuration.placement(
      dimensions: dimensions, inputCount: inputs.count, on: mesh)
    let divisor = Double(placement.workDivisor)
    var time = (metrics.forwardFLOPs + metrics.backwardFLOPs) / divisor / flopsPerSecond
    let parameterBytes = Double(metrics.parameters * floatBytes) / Double(placement.parameterSplit)
    for axis in placement.gradientSyncAxes where metrics.parameters > 0 {
      let k = Double(mesh.shape[axis])
      time += 2 * (k - 1) / k * parameterBytes / axisBandwidth(axis)
    }
    let memory =
      Double(metrics.parameters) * 16 / Double(placement.parameterSplit)
      + metrics.savedActivationBytes / divisor
    return CostVector(time: (time * 1e9).rounded(), memory: memory.rounded())
  }

  func relayoutCost(
    of tensor: Tensor, from producer: TensorLayout, to consumer: TensorLayout,
    gradientFrom consumerGradient: TensorLayout, gradientTo producerGradient: TensorLayout
  ) -> CostVector {
    let bytes = tensor.byteCount(floatBytes: floatBytes)
    var time = stepsTime(
      producer.relayout(to: consumer.withoutPartials, totalBytes: bytes, mesh: mesh))
    if tensor.dtype.isFloatingPoint {
      time += stepsTime(
        consumerGradient.relayout(
          to: producerGradient.withoutPartials, totalBytes: bytes, mesh: mesh))
    }
    return CostVector(time: (time * 1e9).rounded(), memory: 0)
  }

  /// A tied weight used in another layout: a copy (weights and gradients) plus
  /// the re-layout of the weight and of its gradient.
  func tiedWeightCost(
    of weight: Tensor, stored: TensorLayout, used: TensorLayout, gradient: TensorLayout
  ) -> CostVector {
    guard stored != used || gradient.isPartial.contains(true) else { return .zero }
    let bytes = weight.byteCount(floatBytes: floatBytes)
    var cost = relayoutCost(
      of: weight, from: stored, to: used, gradientFrom: gradient, gradientTo: stored)
    if stored != used { cost.memory = (2 * used.localBytes(bytes, mesh: mesh)).rounded() }
    return cost
  }

  private func stepsTime(_ steps: [RelayoutStep]) -> Double {
    steps.reduce(0) { total, step in
      let k = Double(mesh.shape[step.meshAxis])
      let bandwidth = axisBandwidth(step.meshAxis)
      switch step.kind {
      case .slice: return total + step.bytes / 1e12
      case .allReduce: return total + 2 * (k - 1) / k * step.bytes / bandwidth
      case .reduceScatter, .allGather, .allToAll:
        return total + (k - 1) / k * step.bytes / bandwidth
      }
    }
  }
}
