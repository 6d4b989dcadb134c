import TensorOptCost
import TensorOptGraph

/// What an operator's forward pass keeps for its backward pass.
struct SavedActivations {
  /// Kept tensors (inputs, outputs or statistics, depending on the operator).
  var tensors: [DeviceTensor]
  /// The local shapes of the inputs.
  var inputShapes: [[Int]]
}

/// Runs one operator's local share on one worker, forward and backward, with the
/// device's block of its inputs, output and parameters.
///
/// The output is in ``OperatorPlacement/output`` (partial sums along reduction
/// axes); input gradients are in ``OperatorPlacement/inputGradients``.
struct OperatorRunner {
  let step: FlatProgram.Step
  let configuration: OpConfiguration
  let placement: OperatorPlacement
  let inputShapes: [[Int]]
  let outputShape: [Int]
  let view: StageView
  let worker: Worker
  let specs: [ParameterSpec]
  /// This device's parameter blocks (under ZeRO-3 gathered for each call).
  var parameters: [DeviceTensor]
  let seed: UInt64
  /// Micro-batches per step (labels and the mean loss cover all of them).
  let microBatches: Int
  /// Selective recomputation: attention keeps no probabilities and recomputes them.
  let recomputesAttention: Bool
  /// Whether a tied weight is stored `[out, in]` (an embedding table).
  let tiedTransposed: Bool

  var mesh: DeviceMesh { view.mesh }

  var op: Operator { step.op }
  var allocator: CountingAllocator { worker.allocator }
  var coordinates: [Int] { view.coordinates }

  /// The mesh axes assigned to the parallel dimension `name`.
  func axes(_ name: String) -> [Int] {
    configuration.assignments.indices.filter { configuration.assignments[$0] == name }
  }

  /// Whether this device has coordinate 0 on every axis in `axes`.
  func leads(_ axes: [Int]) -> Bool { axes.allSatisfy { coordinates[$0] == 0 } }

  func tensor(_ shape: [Int]) -> DeviceTensor {
    DeviceTensor(shape: shape, allocator: allocator)
  }

  // MARK: Forward

  /// The linear weight (own, or `tiedWeight`, another operator's weight laid out
  /// for this one), whether it is stored `[out, in]`, and the bias.
  func linearParameters(tiedWeight: DeviceTensor?) -> (DeviceTensor, Bool, DeviceTensor?) {
    if let tiedWeight { return (tiedWeight, tiedTransposed, parameters.first) }
    return (parameters[0], false, parameters.count > 1 ? parameters[1] : nil)
  }

  func forward(_ inputs: [DeviceTensor], microBatch: Int, tiedWeight: DeviceTensor? = nil)
    throws(ExecutorError) -> (
      DeviceTensor, SavedActivations
    )
  {
    let x = inputs[0]
    var saved: [DeviceTensor] = []
    let y: DeviceTensor
    let timer = worker.trace
    let name = op.kind.rawValue
    switch op.kind {
    case .linear:
      let (weight, transposed, bias) = linearParameters(tiedWeight: tiedWeight)
      let inWidth = transposed ? weight.shape[1] : weight.shape[0]
      let outWidth = transposed ? weight.shape[0] : weight.shape[1]
      let rows = x.count / max(inWidth, 1)
      y = tensor(x.shape.dropLast() + [outWidth])
      timer.timed(name) {
        Gemm.multiply(
          x.pointer, weight.pointer, into: y.pointer, m: rows, n: outWidth, k: inWidth,
          transposeB: transposed)
        if let bias, leads(axes("in")) {
          for r in 0..<rows {
            Vector.add(bias.pointer, into: y.pointer + r * outWidth, count: outWidth)
          }
        }
      }
      saved = [x]
    case .matmul, .batchedMatmul:
      let b = inputs[1]
      let (m, k, n) = (
        x.shape[x.shape.count - 2], x.shape[x.shape.count - 1], b.shape[b.shape.count - 1]
      )
      let batch = x.count / max(m * k, 1)
      y = tensor(x.shape.dropLast() + [n])
      timer.timed(name) {
        for i in 0..<batch {
          Gemm.multiply(
            x.pointer + i * m * k, b.pointer + i * k * n, into: y.pointer + i * m * n, m: m, n: n,
            k: k)
        }
      }
      saved = [x, b]
    case .attention:
      let geometry = try attentionGeometry(x)
      y = tensor(x.shape.dropLast() + [geometry.outputWidth])
      let probabilities = tensor([geometry.probabilityCount])
      timer.timed(name) {
        AttentionKernels.forward(
          x.pointer, y.pointer, probabilities: probabilities.pointer, geometry: geometry)
      }
      saved = recomputesAttention ? [x] : [x, probabilities]
    case .embedding:
      let table = parameters[0]
      let firstRow =
        ShardBlock(tensorRank: 2, splits: specs[0].splits, mesh: mesh, device: view.localRank)
        .index[0]
        * table.shape[0]
      y = tensor(x.shape + [table.shape[1]])
      timer.timed(name) {
        EmbeddingKernels.lookup(
          ids: x.pointer, count: x.count, table: table.pointer, tableRows: table.shape[0],
          firstRow: firstRow,
          width: table.shape[1], into: y.pointer)
      }
      saved = [x]
    case .layerNorm, .rmsNorm:
      let width = x.shape.last ?? 1
      let rows = x.count / max(width, 1)
      y = tensor(x.shape)
      let statistics = tensor([2 * rows])
      timer.timed(name) {
        if op.kind == .layerNorm {
          NormKernels.layerNorm(
            x.pointer, gamma: parameters[0].pointer,
            beta: parameters.count > 1 ? UnsafePointer(parameters[1].pointer) : nil,
            y.pointer, mean: statistics.pointer, rstd: statistics.pointer + rows, rows: rows,
            width: width)
        } else {
          NormKernels.rmsNorm(
            x.pointer, gamma: parameters[0].pointer, y.pointer, rstd: statistics.pointer,
            rows: rows, width: width)
        }
      }
      saved = [x, statistics]
    case .softmax:
      let width = x.shape.last ?? 1
      y = tensor(x.shape)
      timer.timed(name) {
        SoftmaxKernels.softmax(x.pointer, y.pointer, rows: x.count / max(width, 1), width: width)
      }
      saved = [y]
    case .gelu, .relu, .silu:
      y = tensor(x.shape)
      timer.timed(name) {
        switch op.kind {
        case .gelu: ActivationKernels.gelu(x.pointer, y.pointer, count: x.count)
        case .relu: ActivationKernels.relu(x.pointer, y.pointer, count: x.count)
        default: ActivationKernels.silu(x.pointer, y.pointer, count: x.count)
        }
      }
      saved = [x]
    case .dropout:
      y = tensor(x.shape)
      timer.timed(name) { ActivationKernels.dropout(x.pointer, y.pointer, count: x.count) }
    case .add:
      y = tensor(x.shape)
      timer.timed(name) {
        ActivationKernels.add(x.pointer, inputs[1].pointer, y.pointer, count: x.count)
      }
    case .swiglu:
      y = tensor(x.shape)
      timer.timed(name) {
        ActivationKernels.swiglu(x.pointer, inputs[1].pointer, y.pointer, count: x.count)
      }
      saved = [x, inputs[1]]
    case .flatten, .reshape:
      let local = ShardBlock(
        tensorRank: outputShape.count, layout: placement.output, mesh: mesh, device: view.localRank
      )
      .localShape(outputShape)
      y = timer.timed(name) { x.reshaped(local) }
    case .crossEntropy:
      return try crossEntropyForward(x, microBatch: microBatch)
    case .conv2d, .batchNorm, .maxPool, .avgPool, .globalAvgPool:
      (y, saved) = try convolutionalForward(x)
    }
    return (y, SavedActivations(tensors: saved, inputShapes: inputs.map(\.shape)))
  }
}
