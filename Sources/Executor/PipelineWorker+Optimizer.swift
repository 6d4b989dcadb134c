import TensorOptCost
import TensorOptGraph

/// Gradient synchronisation and the optimizer step of ``PipelineWorker``: the
/// persistent gradient buffers, ZeRO sharding during backward, the sync over each
/// parameter's replica group, tied weights, and the Adam/SGD update.
extension PipelineWorker {

  /// A step's parameter gradients, summed over micro-batches.
  struct GradientSums {
    /// Per step, its parameter gradients (a tied layer's weight view first).
    var sums: [Int: [DeviceTensor]] = [:]
    /// Per step, how many micro-batches' backward passes it has seen.
    var passes: [Int: Int] = [:]
    /// Steps whose gradients were already summed over their sync axes.
    var synchronised: Set<Int> = []
    /// ZeRO-2: per step and own-parameter index, this worker's reduce-scattered chunk
    /// (the full gradient is then released).
    var chunks: [Int: [Int: DeviceTensor]] = [:]
  }

  /// The gradient buffers a training loop keeps from one iteration to the next
  /// (PyTorch's `.grad`, Megatron's gradient buffer), zero and allocated before the
  /// first forward pass, so the measured peak is a steady-state iteration's: whole
  /// blocks, or under ZeRO-2/3 this worker's chunks of the synchronised ones. Tied
  /// layers' weight views are left to their first backward pass.
  func persistentGradients() -> GradientSums {
    var sums = GradientSums()
    let sharding = options.zeroStage >= 2 && options.adam != nil
    for index in mySteps where plan.steps[index].tie == nil && !plan.steps[index].specs.isEmpty {
      sums.sums[index] = plan.steps[index].specs.enumerated().map { j, spec in
        let shape = blockShape(spec)
        guard sharding, !spec.syncAxes.isEmpty else {
          return DeviceTensor(shape: shape, allocator: worker.allocator)
        }
        let group = view.group(alongAxes: spec.syncAxes)
        let range = Communicator.chunk(
          group.firstIndex(of: worker.rank) ?? 0, of: group.count, length: shape.reduce(1, *))
        sums.chunks[index, default: [:]][j] = DeviceTensor(
          shape: [range.count], allocator: worker.allocator)
        return DeviceTensor(shape: [0], allocator: worker.allocator)
      }
    }
    return sums
  }

  /// ZeRO-2/3: reduce-scatters a step's gradients of one micro-batch over their sync
  /// groups right after its backward pass (recorded as overlapped), adds them to
  /// this worker's chunks and releases the whole gradients.
  func shardEarly(_ index: Int, _ state: inout GradientSums) throws(ExecutorError) {
    guard var gradients = state.sums[index] else { return }
    let offset = plan.steps[index].tie == nil ? 0 : 1
    worker.communicator.overlapsTransfers = true
    defer { worker.communicator.overlapsTransfers = false }
    for (j, spec) in plan.steps[index].specs.enumerated() where !spec.syncAxes.isEmpty {
      let gradient = gradients[offset + j]
      let group = view.group(alongAxes: spec.syncAxes)
      let position = group.firstIndex(of: worker.rank) ?? 0
      let range = Communicator.chunk(position, of: group.count, length: gradient.count)
      guard gradient.count > 0 else { continue }  // nothing new since the last shard
      let chunk = DeviceTensor(shape: [range.count], allocator: worker.allocator)
      try worker.communicator.reduceScatter(gradient.storage, into: chunk.storage, group: group)
      if let sum = state.chunks[index]?[j] {
        worker.trace.timed("gradient-accumulate") {
          Vector.add(chunk.pointer, into: sum.pointer, count: sum.count)
        }
      } else {
        state.chunks[index, default: [:]][j] = chunk
      }
      gradients[offset + j] = DeviceTensor(shape: [0], allocator: worker.allocator)
    }
    state.sums[index] = gradients
  }

  /// Sums a step's finished parameter gradients over their sync axes right after
  /// its last backward pass, recorded as overlapped with the backward compute that
  /// follows (a device's communication engine would run it concurrently). A tied
  /// layer's weight view is left for ``synchroniseAndStep``.
  func synchroniseEarly(_ index: Int, _ gradients: [DeviceTensor]) throws(ExecutorError) {
    let own = plan.steps[index].tie == nil ? gradients : Array(gradients.dropFirst())
    worker.communicator.overlapsTransfers = true
    defer { worker.communicator.overlapsTransfers = false }
    for (spec, gradient) in zip(plan.steps[index].specs, own) {
      for axis in spec.syncAxes {
        try worker.communicator.allReduce(gradient.storage, group: view.group(alongAxis: axis))
      }
    }
  }

  func synchroniseAndStep(
    _ state: GradientSums, into output: inout PipelineWorkerOutput
  ) throws(ExecutorError) {
    let parameterGradients = state.sums
    let synchronised = state.synchronised
    worker.trace.record(.joinOverlapped)
    // Tied layers' weight gradients, summed and laid out as their owners keep them.
    var tiedContributions: [Int: DeviceTensor] = [:]
    for index in mySteps {
      guard let tie = plan.steps[index].tie, let viewGradient = parameterGradients[index]?.first
      else {
        continue
      }
      var layout = tie.viewLayout
      for axis in tie.syncAxes { layout.isPartial[axis] = true }
      let resolved = try engine.relayout(
        ShardedTensor(local: viewGradient, layout: layout, globalShape: tie.shape),
        to: tie.ownerLayout
      ).local
      if tiedReplicas[index] != nil {
        try worker.communicator.send(
          UnsafeBufferPointer(resolved.storage), to: tieWorker(of: tie.owner),
          tag: tieTag(index, returning: false))
      } else if let existing = tiedContributions[tie.owner] {
        Vector.add(resolved.pointer, into: existing.pointer, count: existing.count)
      } else {
        tiedContributions[tie.owner] = resolved
      }
    }
    for index in mySteps {
      let step = program.steps[index]
      guard let runner = runners[index], var gradients = parameterGradients[index] else { continue }
      if plan.steps[index].tie != nil { gradients.removeFirst() }
      for (j, spec) in plan.steps[index].specs.enumerated() {
        let name = step.name + "/" + spec.name
        let gradient = gradients[j]
        let parameter = runner.parameters[j]
        for tiedStep in j == 0 ? plan.remoteTies[index] ?? [] : [] {
          let contribution = DeviceTensor(shape: parameter.shape, allocator: worker.allocator)
          try worker.communicator.receive(
            into: contribution.storage, from: tieWorker(of: tiedStep),
            tag: tieTag(tiedStep, returning: false))
          if let existing = tiedContributions[index] {
            Vector.add(contribution.pointer, into: existing.pointer, count: existing.count)
          } else {
            tiedContributions[index] = contribution
          }
        }
        let tied = j == 0 ? tiedContributions[index] : nil
        if options.zeroStage1, let adam = options.adam, !spec.syncAxes.isEmpty {
          let group = view.group(alongAxes: spec.syncAxes)
          let position = group.firstIndex(of: worker.rank) ?? 0
          let sharded = isSharded(spec)
          let range = Communicator.chunk(
            position, of: group.count,
            length: sharded ? blockShape(spec).reduce(1, *) : parameter.count)
          let chunk: DeviceTensor
          if let early = state.chunks[index]?[j] {
            chunk = early
          } else {
            chunk = DeviceTensor(shape: [range.count], allocator: worker.allocator)
            try worker.communicator.reduceScatter(
              gradient.storage, into: chunk.storage, group: group)
          }
          if let tied {
            Vector.add(tied.pointer + range.lowerBound, into: chunk.pointer, count: range.count)
          }
          guard let moments = optimizerState[index]?[j], moments.count == 2 * range.count else {
            throw .invalidArgument("\(name): no optimizer state of \(range.count) elements")
          }
          let updated =
            sharded ? parameter : DeviceTensor(shape: [range.count], allocator: worker.allocator)
          worker.trace.timed("adam") {
            if !sharded {
              updated.pointer.update(from: parameter.pointer + range.lowerBound, count: range.count)
            }
            OptimizerKernels.adamStep(
              parameters: updated.pointer, gradients: chunk.pointer, m: moments.pointer,
              v: moments.pointer + range.count,
              count: range.count, step: 1, configuration: adam)
          }
          if !sharded {
            try worker.communicator.allGather(
              UnsafeBufferPointer(updated.storage), into: parameter.storage, group: group)
          }
          output.gradients[name] = chunk.values
          output.zeroGroups[name] = group
        } else {
          for axis in spec.syncAxes where !synchronised.contains(index) {
            try worker.communicator.allReduce(gradient.storage, group: view.group(alongAxis: axis))
          }
          if let tied { Vector.add(tied.pointer, into: gradient.pointer, count: gradient.count) }
          output.gradients[name] = gradient.values
          if options.adam != nil || options.sgd != nil {
            for tiedStep in j == 0 ? plan.remoteTies[index] ?? [] : [] {
              try worker.communicator.send(
                UnsafeBufferPointer(gradient.storage), to: tieWorker(of: tiedStep),
                tag: tieTag(tiedStep, returning: true))
            }
          }
          if let adam = options.adam {
            guard let moments = optimizerState[index]?[j], moments.count == 2 * gradient.count
            else {
              throw .invalidArgument("\(name): no optimizer state of \(gradient.count) elements")
            }
            worker.trace.timed("adam") {
              OptimizerKernels.adamStep(
                parameters: parameter.pointer, gradients: gradient.pointer, m: moments.pointer,
                v: moments.pointer + gradient.count, count: gradient.count, step: 1,
                configuration: adam)
            }
          } else if let sgd = options.sgd {
            guard let momentum = optimizerState[index]?[j], momentum.count == gradient.count else {
              throw .invalidArgument("\(name): no optimizer state of \(gradient.count) elements")
            }
            worker.trace.timed("sgd") {
              OptimizerKernels.sgdMomentumStep(
                parameters: parameter.pointer, gradients: gradient.pointer,
                momentum: momentum.pointer,
                count: gradient.count, learningRate: sgd.learningRate, mu: sgd.momentum)
            }
          }
        }
        if options.adam != nil || options.sgd != nil { output.parameters[name] = parameter.values }
      }
    }
    try updateTiedReplicas()
  }

  /// The worker holding device `view.localRank` of `step`'s stage.
  func tieWorker(of step: Int) -> Int {
    view.worker(stage: plan.stageOfStep[step], local: view.localRank)
  }

  /// Point-to-point tags of tied-weight exchanges (negative: apart from activation tags).
  func tieTag(_ tiedStep: Int, returning: Bool) -> Int {
    -(1 + 2 * tiedStep + (returning ? 1 : 0))
  }

  /// Applies the owner's summed gradient to each tied-weight replica, with the same
  /// optimizer step, so replica and owner stay equal.
  func updateTiedReplicas() throws(ExecutorError) {
    for (index, replica) in tiedReplicas.sorted(by: { $0.key < $1.key }) {
      guard let tie = plan.steps[index].tie, let state = replica.state else { continue }
      let gradient = DeviceTensor(shape: replica.weight.shape, allocator: worker.allocator)
      try worker.communicator.receive(
        into: gradient.storage, from: tieWorker(of: tie.owner), tag: tieTag(index, returning: true))
      let count = gradient.count
      if let adam = options.adam {
        worker.trace.timed("adam") {
          OptimizerKernels.adamStep(
            parameters: replica.weight.pointer, gradients: gradient.pointer, m: state.pointer,
            v: state.pointer + count,
            count: count, step: 1, configuration: adam)
        }
      } else if let sgd = options.sgd {
        worker.trace.timed("sgd") {
          OptimizerKernels.sgdMomentumStep(
            parameters: replica.weight.pointer, gradients: gradient.pointer,
            momentum: state.pointer, count: count,
            learningRate: sgd.learningRate, mu: sgd.momentum)
        }
      }
    }
  }
}
