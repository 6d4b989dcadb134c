import TensorOptCost
import TensorOptGraph

/// The backward pass of ``PipelineWorker``: recomputation from checkpoints, the
/// operators' backward in reverse order, gradients across stage boundaries, and
/// the accumulation of parameter gradients over micro-batches.
extension PipelineWorker {

  /// Reruns the forward of `segment`'s steps from their checkpoints, refilling the stash.
  func recompute(segment: Int, chunk: Int, state: inout MicroBatchState, microBatch m: Int)
    throws(ExecutorError)
  {
    var values = state.checkpoints
    for index in chunkSteps[chunk] where program.steps[index].segment == segment {
      let step = program.steps[index]
      let placement = plan.steps[index].placement
      var locals: [DeviceTensor] = []
      for (k, input) in step.inputs.enumerated() {
        guard let value = values[input] else {
          throw .invalidArgument("\(step.name): no checkpoint for recomputation")
        }
        locals.append(try engine.relayout(value, to: placement.inputs[k]).local)
      }
      let (local, saved) = try runner(index).forward(
        locals, microBatch: m, tiedWeight: try tiedView(index))
      state.stash[index] = saved
      values[step.output] = ShardedTensor(
        local: local, layout: placement.output, globalShape: program.values[step.output].shape)
    }
  }

  func backward(
    _ m: Int, chunk: Int, state: inout MicroBatchState,
    into parameterGradients: inout GradientSums
  ) throws(ExecutorError) {
    var gradients: [Int: ShardedTensor] = [:]
    let virtual = view.stage + chunk * plan.stageCount
    if let lossID = program.outputs.first, plan.stage(producing: lossID) == virtual {
      let one = DeviceTensor(shape: [], allocator: worker.allocator)
      one.pointer[0] = 1
      gradients[lossID] = ShardedTensor(
        local: one, layout: plan.gradientLayout(of: lossID), globalShape: [])
    }
    for index in chunkSteps[chunk].reversed() {
      let step = program.steps[index]
      let placement = plan.steps[index].placement
      if state.stash[index] == nil, let segment = step.segment, fullRecomputation {
        try recompute(segment: segment, chunk: chunk, state: &state, microBatch: m)
      }
      for stage in plan.remoteConsumers[step.output] {
        let received = zeros(value: step.output)
        try worker.communicator.receive(
          into: received.local.storage, from: peer(virtualStage: stage),
          tag: tag(step.output, m, forward: false))
        gradients[step.output] = accumulate(gradients[step.output], received)
      }
      let outputGradient = gradients[step.output] ?? zeros(value: step.output)
      gradients[step.output] = nil
      guard let saved = state.stash[index] else {
        throw .invalidArgument("\(step.name): nothing stashed for backward")
      }
      state.stash[index] = nil
      let existingSums = parameterGradients.sums[index]
      let firstPass = parameterGradients.passes[index, default: 0] == 0
      let (inputGradients, weightGradients) = try runner(index).backward(
        saved, outputGradient: outputGradient.local, tiedWeight: try tiedView(index),
        accumulating: existingSums, overwriting: firstPass)
      for (k, input) in step.inputs.enumerated() {
        guard let local = inputGradients[k], program.values[input].producer != nil else { continue }
        let produced = ShardedTensor(
          local: local, layout: placement.inputGradients[k],
          globalShape: program.values[input].shape)
        gradients[input] = accumulate(
          gradients[input], try engine.relayout(produced, to: plan.gradientLayout(of: input)))
      }
      if var existing = existingSums {
        // A fused backward returned the sums themselves: nothing left to add. The
        // first micro-batch's gradient, or one for a ZeRO-2/3 slot emptied by the last
        // reduce-scatter, takes the slot (the zero buffer need not be added to).
        for (slot, addition) in weightGradients.enumerated() where slot < existing.count {
          let sum = existing[slot]
          if sum === addition { continue }
          if sum.count != addition.count || firstPass {
            existing[slot] = addition
            continue
          }
          worker.trace.timed("gradient-accumulate") {
            Vector.add(addition.pointer, into: sum.pointer, count: sum.count)
          }
        }
        parameterGradients.sums[index] = existing
      } else {
        parameterGradients.sums[index] = weightGradients
      }
      parameterGradients.passes[index, default: 0] += 1
      if options.zeroStage >= 2, options.adam != nil {
        // ZeRO-2/3 hold only their chunk of a gradient: every micro-batch's is
        // reduce-scattered into it as soon as it is complete.
        try shardEarly(index, &parameterGradients)
      } else if parameterGradients.passes[index] == microBatches {
        if !options.zeroStage1 {
          try synchroniseEarly(index, parameterGradients.sums[index] ?? [])
          parameterGradients.synchronised.insert(index)
        }
      }
    }
    let received = Set(chunkSteps[chunk].flatMap { program.steps[$0].inputs })
    for value in received.sorted() {
      guard let stage = plan.stage(producing: value), stage != virtual else { continue }
      let gradient = gradients[value] ?? zeros(value: value)
      try worker.communicator.send(
        UnsafeBufferPointer(gradient.local.storage),
        to: peer(virtualStage: stage), tag: tag(value, m, forward: false))
    }
  }

  func zeros(value: Int) -> ShardedTensor {
    let layout = plan.gradientLayout(of: value)
    let shape = program.values[value].shape
    let block = ShardBlock(
      tensorRank: shape.count, layout: layout, mesh: view.mesh, device: view.localRank)
    return ShardedTensor(
      local: DeviceTensor(shape: block.localShape(shape), allocator: worker.allocator),
      layout: layout, globalShape: shape)
  }

  func accumulate(_ existing: ShardedTensor?, _ addition: ShardedTensor) -> ShardedTensor {
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
