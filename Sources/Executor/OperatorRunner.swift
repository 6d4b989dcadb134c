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
  let parameters: [DeviceTensor]
  let seed: UInt64
  /// Micro-batches per step (labels and the mean loss cover all of them).
  let microBatches: Int
  /// Selective recomputation: attention keeps no probabilities and recomputes them.
  let recomputesAttention: Bool

  private var mesh: DeviceMesh { view.mesh }

  private var op: Operator { step.op }
  private var allocator: CountingAllocator { worker.allocator }
  private var coordinates: [Int] { view.coordinates }

  /// The mesh axes assigned to the parallel dimension `name`.
  private func axes(_ name: String) -> [Int] {
    configuration.assignments.indices.filter { configuration.assignments[$0] == name }
  }

  /// Whether this device has coordinate 0 on every axis in `axes`.
  private func leads(_ axes: [Int]) -> Bool { axes.allSatisfy { coordinates[$0] == 0 } }

  private func tensor(_ shape: [Int]) -> DeviceTensor {
    DeviceTensor(shape: shape, allocator: allocator)
  }

  // MARK: Forward

  func forward(_ inputs: [DeviceTensor], microBatch: Int) throws(ExecutorError) -> (
    DeviceTensor, SavedActivations
  ) {
    let x = inputs[0]
    var saved: [DeviceTensor] = []
    let y: DeviceTensor
    let timer = worker.trace
    let name = op.kind.rawValue
    switch op.kind {
    case .linear:
      let weight = parameters[0]
      let inWidth = weight.shape[0]
      let outWidth = weight.shape[1]
      let rows = x.count / max(inWidth, 1)
      y = tensor(x.shape.dropLast() + [outWidth])
      timer.timed(name) {
        Gemm.multiply(x.pointer, weight.pointer, into: y.pointer, m: rows, n: outWidth, k: inWidth)
        if parameters.count > 1, leads(axes("in")) {
          for r in 0..<rows {
            Vector.add(parameters[1].pointer, into: y.pointer + r * outWidth, count: outWidth)
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
      throw .unsupported("\(step.name): \(op.kind.rawValue) is not implemented by the executor yet")
    }
    return (y, SavedActivations(tensors: saved, inputShapes: inputs.map(\.shape)))
  }

  // MARK: Backward

  /// The gradients of the inputs (`nil` for integer inputs) and of the parameters.
  func backward(_ saved: SavedActivations, outputGradient dy: DeviceTensor) throws(ExecutorError)
    -> (
      [DeviceTensor?], [DeviceTensor]
    )
  {
    let timer = worker.trace
    let name = op.kind.rawValue + "-backward"
    let t = saved.tensors
    switch op.kind {
    case .linear:
      let x = t[0]
      let weight = parameters[0]
      let inWidth = weight.shape[0]
      let outWidth = weight.shape[1]
      let rows = x.count / max(inWidth, 1)
      let dx = tensor(x.shape)
      let dw = tensor(weight.shape)
      var grads = [dw]
      if parameters.count > 1 { grads.append(tensor(parameters[1].shape)) }
      timer.timed(name) {
        Gemm.multiply(
          dy.pointer, weight.pointer, into: dx.pointer, m: rows, n: inWidth, k: outWidth,
          transposeB: true)
        Gemm.multiply(
          x.pointer, dy.pointer, into: dw.pointer, m: inWidth, n: outWidth, k: rows,
          transposeA: true)
        if grads.count > 1, leads(axes("in")) {
          for r in 0..<rows {
            Vector.add(dy.pointer + r * outWidth, into: grads[1].pointer, count: outWidth)
          }
        }
      }
      return ([dx], grads)
    case .matmul, .batchedMatmul:
      let a = t[0]
      let b = t[1]
      let (m, k, n) = (
        a.shape[a.shape.count - 2], a.shape[a.shape.count - 1], b.shape[b.shape.count - 1]
      )
      let batch = a.count / max(m * k, 1)
      let da = tensor(a.shape)
      let db = tensor(b.shape)
      timer.timed(name) {
        for i in 0..<batch {
          Gemm.multiply(
            dy.pointer + i * m * n, b.pointer + i * k * n, into: da.pointer + i * m * k, m: m, n: k,
            k: n, transposeB: true)
          Gemm.multiply(
            a.pointer + i * m * k, dy.pointer + i * m * n, into: db.pointer + i * k * n, m: k, n: n,
            k: m, transposeA: true)
        }
      }
      return ([da, db], [])
    case .attention:
      let x = t[0]
      let geometry = try attentionGeometry(x)
      let probabilities: DeviceTensor
      if t.count > 1 {
        probabilities = t[1]
      } else {
        probabilities = tensor([geometry.probabilityCount])
        let output = tensor(x.shape.dropLast() + [geometry.outputWidth])
        timer.timed("attention-recompute") {
          AttentionKernels.forward(
            x.pointer, output.pointer, probabilities: probabilities.pointer, geometry: geometry)
        }
      }
      let dx = tensor(x.shape)
      let scratch = tensor([geometry.sequence * geometry.sequence])
      timer.timed(name) {
        AttentionKernels.backward(
          x.pointer, probabilities: probabilities.pointer, dy.pointer, dx.pointer,
          scratch: scratch.pointer,
          geometry: geometry)
      }
      return ([dx], [])
    case .embedding:
      let ids = t[0]
      let table = parameters[0]
      let firstRow =
        ShardBlock(tensorRank: 2, splits: specs[0].splits, mesh: mesh, device: view.localRank)
        .index[0]
        * table.shape[0]
      let dtable = tensor(table.shape)
      timer.timed(name) {
        EmbeddingKernels.lookupBackward(
          ids: ids.pointer, count: ids.count, dy: dy.pointer, tableRows: table.shape[0],
          firstRow: firstRow,
          width: table.shape[1], into: dtable.pointer)
      }
      return ([nil], [dtable])
    case .layerNorm, .rmsNorm:
      let x = t[0]
      let statistics = t[1]
      let width = x.shape.last ?? 1
      let rows = x.count / max(width, 1)
      let dx = tensor(x.shape)
      let grads = parameters.map { tensor($0.shape) }
      timer.timed(name) {
        if op.kind == .layerNorm {
          NormKernels.layerNormBackward(
            x.pointer, gamma: parameters[0].pointer, mean: statistics.pointer,
            rstd: statistics.pointer + rows, dy.pointer,
            dx.pointer, dgamma: grads[0].pointer, dbeta: grads.count > 1 ? grads[1].pointer : nil,
            rows: rows, width: width)
        } else {
          NormKernels.rmsNormBackward(
            x.pointer, gamma: parameters[0].pointer, rstd: statistics.pointer, dy.pointer,
            dx.pointer, dgamma: grads[0].pointer,
            rows: rows, width: width)
        }
      }
      return ([dx], grads)
    case .softmax:
      let y = t[0]
      let width = y.shape.last ?? 1
      let dx = tensor(y.shape)
      timer.timed(name) {
        SoftmaxKernels.softmaxBackward(
          y.pointer, dy.pointer, dx.pointer, rows: y.count / max(width, 1), width: width)
      }
      return ([dx], [])
    case .gelu, .relu, .silu:
      let x = t[0]
      let dx = tensor(x.shape)
      timer.timed(name) {
        switch op.kind {
        case .gelu:
          ActivationKernels.geluBackward(x.pointer, dy.pointer, dx.pointer, count: x.count)
        case .relu:
          ActivationKernels.reluBackward(x.pointer, dy.pointer, dx.pointer, count: x.count)
        default: ActivationKernels.siluBackward(x.pointer, dy.pointer, dx.pointer, count: x.count)
        }
      }
      return ([dx], [])
    case .dropout:
      return ([timer.timed(name) { dy.reshaped(dy.shape) }], [])
    case .add:
      return ([dy, dy], [])
    case .swiglu:
      let a = t[0]
      let b = t[1]
      let da = tensor(a.shape)
      let db = tensor(b.shape)
      timer.timed(name) {
        ActivationKernels.swigluBackward(
          a.pointer, b.pointer, dy.pointer, da.pointer, db.pointer, count: a.count)
      }
      return ([da, db], [])
    case .flatten, .reshape:
      return ([timer.timed(name) { dy.reshaped(saved.inputShapes[0]) }], [])
    case .crossEntropy:
      let logits = t[0]
      let lse = t[1]
      let labels = t[2]
      let width = logits.shape.last ?? 1
      let rows = logits.count / max(width, 1)
      let dx = tensor(logits.shape)
      let (firstClass, totalRows) = crossEntropyExtent(width: width)
      timer.timed(name) {
        SoftmaxKernels.crossEntropyBackward(
          logits.pointer, lse: lse.pointer, labels: labels.pointer, lossGradient: dy.pointer[0],
          dx.pointer, rows: rows,
          width: width, firstClass: firstClass, totalRows: totalRows)
      }
      return ([dx], [])
    case .conv2d, .batchNorm, .maxPool, .avgPool, .globalAvgPool:
      throw .unsupported("\(step.name): \(op.kind.rawValue) is not implemented by the executor yet")
    }
  }

  // MARK: Helpers

  private func attentionGeometry(_ x: DeviceTensor) throws(ExecutorError) -> AttentionGeometry {
    let heads = max(op.attributes.heads, 1)
    let kvHeads = op.attributes.kvHeads > 0 ? op.attributes.kvHeads : heads
    let headDim = (outputShape.last ?? 0) / heads
    let perGroup = heads / kvHeads
    let width = x.shape.last ?? 0
    let sequence = x.shape.count >= 2 ? x.shape[x.shape.count - 2] : 1
    guard headDim > 0, width % ((perGroup + 2) * headDim) == 0 else {
      throw .unsupported(
        "\(step.name): local attention width \(width) is not a whole number of key/value groups")
    }
    return AttentionGeometry(
      batch: x.count / max(sequence * width, 1), sequence: sequence,
      groups: width / ((perGroup + 2) * headDim),
      queriesPerGroup: perGroup, headDim: headDim, causal: op.attributes.causal)
  }

  /// The mesh axes splitting the vocabulary (last) axis of the logits.
  private var vocabularyAxes: [Int] {
    let last = inputShapes[0].count - 1
    return placement.inputs[0].splitAxis.indices.filter {
      placement.inputs[0].splitAxis[$0] == last
    }
  }

  /// This device's first class and the number of rows of the whole batch.
  private func crossEntropyExtent(width: Int) -> (Int, Int) {
    let block = ShardBlock(
      tensorRank: inputShapes[0].count, layout: placement.inputs[0], mesh: mesh,
      device: view.localRank
    )
    return (
      block.index[inputShapes[0].count - 1] * width,
      inputShapes[0].dropLast().reduce(1, *) * microBatches
    )
  }

  private func crossEntropyForward(_ logits: DeviceTensor, microBatch: Int) throws(ExecutorError)
    -> (
      DeviceTensor, SavedActivations
    )
  {
    let width = logits.shape.last ?? 1
    let rows = logits.count / max(width, 1)
    let globalRank = inputShapes[0].count
    let vocabulary = inputShapes[0][globalRank - 1]
    var labelShape = Array(inputShapes[0].dropLast())
    if !labelShape.isEmpty { labelShape[0] *= microBatches }
    let labelSplits = placement.inputs[0].splitAxis.enumerated().compactMap {
      axis, tensorAxis -> (meshAxis: Int, tensorAxis: Int)? in
      guard let tensorAxis, tensorAxis < globalRank - 1 else { return nil }
      return (axis, tensorAxis)
    }
    let labels = tensor(Array(logits.shape.dropLast()))
    let key = InitialValues.key(step.name + "/labels", seed: seed)
    InitialValues.fill(
      labels, shape: labelShape,
      block: ShardBlock(
        tensorRank: labelShape.count, splits: labelSplits, mesh: mesh, device: view.localRank
      ).microBatch(microBatch, of: microBatches)
    ) { index in
      Float(
        min(
          Int((InitialValues.uniform(key: key, index: index) + 1) / 2 * Float(vocabulary)),
          vocabulary - 1))
    }
    let vocabAxes = vocabularyAxes
    let statistics = tensor([2 * rows])
    worker.trace.timed("cross_entropy-statistics") {
      SoftmaxKernels.rowStatistics(
        logits.pointer, rows: rows, width: width, into: statistics.pointer)
    }
    var parts = 1
    var combined = statistics
    if !vocabAxes.isEmpty {
      let group = view.group(alongAxes: vocabAxes)
      parts = group.count
      combined = tensor([2 * rows * parts])
      try worker.communicator.allGather(
        UnsafeBufferPointer(statistics.storage), into: combined.storage, group: group)
    }
    let lse = tensor([rows])
    let (firstClass, totalRows) = crossEntropyExtent(width: width)
    let loss = tensor([])
    worker.trace.timed("cross_entropy") {
      SoftmaxKernels.logSumExp(
        combining: combined.pointer, parts: parts, rows: rows, into: lse.pointer)
      loss.pointer[0] = SoftmaxKernels.crossEntropyLoss(
        logits.pointer, lse: lse.pointer, labels: labels.pointer, rows: rows, width: width,
        firstClass: firstClass,
        countsLSE: leads(vocabAxes), totalRows: totalRows)
    }
    return (loss, SavedActivations(tensors: [logits, lse, labels], inputShapes: [logits.shape]))
  }

  /// The devices sharing `device`'s coordinates except along `axes`, ordered by
  /// the mixed-radix chunk index of those coordinates (lowest axis most significant).
  static func group(of device: Int, alongAxes axes: [Int], mesh: DeviceMesh) -> [Int] {
    let sorted = axes.sorted()
    let coordinates = mesh.coordinates(of: device)
    var base = device
    for axis in sorted { base -= coordinates[axis] * mesh.stride(ofAxis: axis) }
    var members = [base]
    for axis in sorted {
      members = members.flatMap { start in
        (0..<mesh.shape[axis]).map { start + $0 * mesh.stride(ofAxis: axis) }
      }
    }
    return members
  }
}
