import TensorOptGraph

extension OperatorRunner {
  // MARK: Helpers

  func attentionGeometry(_ x: DeviceTensor) throws(ExecutorError) -> AttentionGeometry {
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
  var vocabularyAxes: [Int] {
    let last = inputShapes[0].count - 1
    return placement.inputs[0].splitAxis.indices.filter {
      placement.inputs[0].splitAxis[$0] == last
    }
  }

  /// This device's first class and the number of rows of the whole batch.
  func crossEntropyExtent(width: Int) -> (Int, Int) {
    let block = ShardBlock(
      tensorRank: inputShapes[0].count, layout: placement.inputs[0], mesh: mesh,
      device: view.localRank
    )
    return (
      block.index[inputShapes[0].count - 1] * width,
      inputShapes[0].dropLast().reduce(1, *) * microBatches
    )
  }

  func crossEntropyForward(_ logits: DeviceTensor, microBatch: Int) throws(ExecutorError)
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
