import TensorOptGraph

/// What one worker hands back after a training step.
struct StageWorkerOutput: Sendable {
  /// The loss as every worker sees it (replicated).
  var loss: Float
  /// Per parameter (`"step/name"`), this worker's block of its gradient.
  var gradients: [String: [Float]]
}

/// One worker's forward and backward pass over an ``ExecutionPlan``: it owns its
/// parameter shards, relays out every input as its consumer needs it, stashes
/// activations for backward, and sums parameter gradients over their sync axes.
struct StageWorker {
  let plan: ExecutionPlan
  let worker: Worker
  let seed: UInt64

  private var program: FlatProgram { plan.program }
  private var mesh: DeviceMesh { plan.mesh }

  func run() throws(ExecutorError) -> StageWorkerOutput {
    let engine = RelayoutEngine(mesh: mesh, worker: worker)
    let parameters = program.steps.indices.map { makeParameters(step: $0) }
    var values = [ShardedTensor?](repeating: nil, count: program.values.count)
    for input in program.inputs { values[input] = makeInput(input) }
    var remaining = program.consumerCounts
    for output in program.outputs { remaining[output] += 1 }
    var stash = [SavedActivations?](repeating: nil, count: program.steps.count)
    let runners = program.steps.indices.map { runner($0, parameters: parameters[$0]) }

    for (index, step) in program.steps.enumerated() {
      let placement = plan.steps[index].placement
      var locals: [DeviceTensor] = []
      for (k, input) in step.inputs.enumerated() {
        guard let value = values[input] else {
          throw .invalidArgument("\(step.name): input \(program.values[input].name) was freed")
        }
        locals.append(try engine.relayout(value, to: placement.inputs[k]).local)
        remaining[input] -= 1
        if remaining[input] == 0 { values[input] = nil }
      }
      let (output, saved) = try runners[index].forward(locals)
      values[step.output] = ShardedTensor(
        local: output, layout: placement.output, globalShape: program.values[step.output].shape)
      stash[index] = saved
    }

    guard let lossID = program.outputs.first, let lossValue = values[lossID] else {
      throw .invalidArgument("the loss was not computed")
    }
    let resolvedLoss = try engine.relayout(lossValue, to: .replicated(meshAxes: mesh.shape.count))
      .local
    let loss = withExtendedLifetime(resolvedLoss) { resolvedLoss.storage[0] }
    values = []

    var gradients = [ShardedTensor?](repeating: nil, count: program.values.count)
    let seedLayout = plan.gradientLayout(of: lossID)
    let one = DeviceTensor(shape: [], allocator: worker.allocator)
    one.pointer[0] = 1
    gradients[lossID] = ShardedTensor(local: one, layout: seedLayout, globalShape: [])
    var parameterGradients: [String: [Float]] = [:]

    for (index, step) in program.steps.enumerated().reversed() {
      let placement = plan.steps[index].placement
      let outputGradient = gradients[step.output] ?? zeros(value: step.output)
      gradients[step.output] = nil
      guard let saved = stash[index] else {
        throw .invalidArgument("\(step.name): nothing stashed for backward")
      }
      stash[index] = nil
      let (inputGradients, weightGradients) = try runners[index].backward(
        saved, outputGradient: outputGradient.local)
      for (k, input) in step.inputs.enumerated() {
        guard let local = inputGradients[k], program.values[input].producer != nil else { continue }
        let produced = ShardedTensor(
          local: local, layout: placement.inputGradients[k],
          globalShape: program.values[input].shape)
        let resolved = try engine.relayout(produced, to: plan.gradientLayout(of: input))
        gradients[input] = accumulate(gradients[input], resolved)
      }
      for (spec, gradient) in zip(plan.steps[index].specs, weightGradients) {
        for axis in spec.syncAxes {
          try worker.communicator.allReduce(
            gradient.storage, group: mesh.group(of: worker.rank, alongAxis: axis))
        }
        parameterGradients[step.name + "/" + spec.name] = gradient.values
      }
    }
    return StageWorkerOutput(loss: loss, gradients: parameterGradients)
  }

  private func runner(_ index: Int, parameters: [DeviceTensor]) -> OperatorRunner {
    let step = program.steps[index]
    return OperatorRunner(
      step: step, configuration: plan.steps[index].configuration,
      placement: plan.steps[index].placement,
      inputShapes: step.inputs.map { program.values[$0].shape },
      outputShape: program.values[step.output].shape,
      mesh: mesh, worker: worker, specs: plan.steps[index].specs, parameters: parameters, seed: seed
    )
  }

  private func makeParameters(step index: Int) -> [DeviceTensor] {
    plan.steps[index].specs.map { spec in
      let block = ShardBlock(
        tensorRank: spec.shape.count, splits: spec.splits, mesh: mesh, device: worker.rank)
      let tensor = DeviceTensor(shape: block.localShape(spec.shape), allocator: worker.allocator)
      let key = InitialValues.key(program.steps[index].name + "/" + spec.name, seed: seed)
      InitialValues.fill(tensor, shape: spec.shape, block: block) {
        spec.offset + spec.scale * InitialValues.uniform(key: key, index: $0)
      }
      return tensor
    }
  }

  /// A model input, whole on every device: token ids in range for the embedding
  /// that reads it, or values uniform in [-1, 1).
  private func makeInput(_ value: Int) -> ShardedTensor {
    let info = program.values[value]
    let tensor = DeviceTensor(shape: info.shape, allocator: worker.allocator)
    let key = InitialValues.key("input/" + info.name, seed: seed)
    let rows = program.steps.first { $0.inputs.contains(value) && $0.op.kind == .embedding }?.op
      .attributes.rows
    let block = ShardBlock(
      tensorRank: info.shape.count, splits: [], mesh: mesh, device: worker.rank)
    InitialValues.fill(tensor, shape: info.shape, block: block) { index in
      let u = InitialValues.uniform(key: key, index: index)
      guard let rows, !info.dtype.isFloatingPoint || rows > 0 else { return u }
      return Float(min(Int((u + 1) / 2 * Float(rows)), rows - 1))
    }
    return ShardedTensor(
      local: tensor, layout: .replicated(meshAxes: mesh.shape.count), globalShape: info.shape)
  }

  private func zeros(value: Int) -> ShardedTensor {
    let layout = plan.gradientLayout(of: value)
    let shape = program.values[value].shape
    let block = ShardBlock(tensorRank: shape.count, layout: layout, mesh: mesh, device: worker.rank)
    return ShardedTensor(
      local: DeviceTensor(shape: block.localShape(shape), allocator: worker.allocator),
      layout: layout, globalShape: shape)
  }

  private func accumulate(_ existing: ShardedTensor?, _ addition: ShardedTensor) -> ShardedTensor {
    guard let existing else { return addition }
    assert(existing.layout == addition.layout && existing.local.count == addition.local.count)
    var sum = existing
    sum.local = worker.trace.timed("gradient-sum") {
      let result = DeviceTensor(
        shape: existing.local.shape, copying: UnsafeBufferPointer(existing.local.storage),
        allocator: worker.allocator)
      Vector.add(addition.local.pointer, into: result.pointer, count: result.count)
      return result
    }
    return sum
  }
}
