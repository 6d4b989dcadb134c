import TensorOptCost
import TensorOptGraph

/// What one worker hands back after a training step.
struct PipelineWorkerOutput: Sendable {
  /// The mean loss (on last-stage workers; NaN elsewhere).
  var loss: Float
  /// Per parameter (`"step/name"`), this worker's block of its gradient, or under
  /// ZeRO-1 its chunk of that block.
  var gradients: [String: [Float]]
  /// Under ZeRO-1, per parameter, the workers whose chunks concatenate into the block.
  var zeroGroups: [String: [Int]]
  /// Per parameter, this worker's block after the optimizer step.
  var parameters: [String: [Float]]
}

/// One worker's training step: the forward and backward passes of its stage's
/// operators for every micro-batch in schedule order, then gradient
/// synchronisation and the optimizer step.
///
/// The worker owns its parameter shards, relays out every input as its consumer
/// needs it, stashes activations for backward (or recomputes them), sends values
/// and gradients across stage boundaries to the same device of the other stage,
/// and sums parameter gradients over their sync axes.
struct PipelineWorker {
  let plan: ExecutionPlan
  let worker: Worker
  let options: ExecutionOptions
  let view: StageView
  /// This stage's steps, in program order.
  let mySteps: [Int]
  private let engine: RelayoutEngine
  /// Per model chunk, its steps in program order.
  private let chunkSteps: [[Int]]
  /// Per model chunk, how many of its steps' input slots read each value.
  private let localUses: [[Int: Int]]
  private let runners: [Int: OperatorRunner]
  /// Per step and parameter, the optimizer state (Adam's two moments, or SGD's
  /// momentum), allocated when the worker starts and held for the whole step as a
  /// training loop would hold it: a ZeRO member keeps its chunk's share only.
  private let optimizerState: [Int: [DeviceTensor]]
  /// For tied steps whose weight's owner is on another stage: the replica of that
  /// weight and its optimizer state.
  private let tiedReplicas: [Int: (weight: DeviceTensor, state: DeviceTensor?)]

  private var program: FlatProgram { plan.program }
  private var microBatches: Int { options.microBatches }
  private var fullRecomputation: Bool { options.recomputation == .full }

  init(plan: ExecutionPlan, worker: Worker, options: ExecutionOptions) {
    self.plan = plan
    self.worker = worker
    self.options = options
    let view = StageView(mesh: plan.mesh, rank: worker.rank)
    self.view = view
    let mine = plan.program.steps.indices.filter { plan.stageOfStep[$0] == view.stage }
    mySteps = mine
    engine = RelayoutEngine(view: view, worker: worker)
    let chunkSteps = (0..<plan.chunks).map { chunk in
      mine.filter { plan.virtualStageOfStep[$0] == view.stage + chunk * plan.stageCount }
    }
    self.chunkSteps = chunkSteps
    localUses = chunkSteps.map { steps in
      var uses: [Int: Int] = [:]
      for index in steps {
        for input in plan.program.steps[index].inputs { uses[input, default: 0] += 1 }
      }
      return uses
    }
    var runners: [Int: OperatorRunner] = [:]
    for index in mine {
      let step = plan.program.steps[index]
      let specs = plan.steps[index].specs
      let parameters = specs.map { spec in
        let block = ShardBlock(
          tensorRank: spec.shape.count, splits: spec.splits, mesh: plan.mesh, device: view.localRank
        )
        let tensor = DeviceTensor(shape: block.localShape(spec.shape), allocator: worker.allocator)
        let key = InitialValues.key(step.name + "/" + spec.name, seed: options.seed)
        InitialValues.fill(tensor, shape: spec.shape, block: block) {
          spec.offset + spec.scale * InitialValues.uniform(key: key, index: $0)
        }
        guard options.zeroStage >= 3, !spec.syncAxes.isEmpty else { return tensor }
        // ZeRO-3: keep only this member's chunk of the block.
        let group = view.group(alongAxes: spec.syncAxes)
        let range = Communicator.chunk(
          group.firstIndex(of: worker.rank) ?? 0, of: group.count, length: tensor.count)
        return DeviceTensor(
          shape: [range.count], copying: UnsafeBufferPointer(rebasing: tensor.storage[range]),
          allocator: worker.allocator)
      }
      runners[index] = OperatorRunner(
        step: step, configuration: plan.steps[index].configuration,
        placement: plan.steps[index].placement,
        inputShapes: step.inputs.map { plan.program.values[$0].shape },
        outputShape: plan.program.values[step.output].shape, view: view, worker: worker,
        specs: specs,
        parameters: parameters, seed: options.seed, microBatches: options.microBatches,
        recomputesAttention: options.recomputation == .selective,
        tiedTransposed: plan.steps[index].tie?.transposed ?? false)
    }
    self.runners = runners
    var state: [Int: [DeviceTensor]] = [:]
    if options.adam != nil || options.sgd != nil {
      for index in mine {
        state[index] = plan.steps[index].specs.map { spec in
          var count = ShardBlock(
            tensorRank: spec.shape.count, splits: spec.splits, mesh: plan.mesh,
            device: view.localRank
          ).localShape(spec.shape).reduce(1, *)
          if options.adam != nil, options.zeroStage1, !spec.syncAxes.isEmpty {
            let group = view.group(alongAxes: spec.syncAxes)
            count =
              Communicator.chunk(
                group.firstIndex(of: worker.rank) ?? 0, of: group.count, length: count
              ).count
          }
          return DeviceTensor(
            shape: [options.adam != nil ? 2 : 1, count], allocator: worker.allocator)
        }
      }
    }
    optimizerState = state
    var replicas: [Int: (weight: DeviceTensor, state: DeviceTensor?)] = [:]
    for index in mine {
      guard let tie = plan.steps[index].tie, plan.stageOfStep[tie.owner] != view.stage,
        let spec = plan.steps[tie.owner].specs.first
      else { continue }
      let block = ShardBlock(
        tensorRank: spec.shape.count, splits: spec.splits, mesh: plan.mesh, device: view.localRank)
      let weight = DeviceTensor(shape: block.localShape(spec.shape), allocator: worker.allocator)
      let key = InitialValues.key(
        plan.program.steps[tie.owner].name + "/" + spec.name, seed: options.seed)
      InitialValues.fill(weight, shape: spec.shape, block: block) {
        spec.offset + spec.scale * InitialValues.uniform(key: key, index: $0)
      }
      let rows = options.adam != nil ? 2 : options.sgd != nil ? 1 : 0
      let state =
        rows > 0 ? DeviceTensor(shape: [rows, weight.count], allocator: worker.allocator) : nil
      replicas[index] = (weight, state)
    }
    tiedReplicas = replicas
  }

  /// The per-micro-batch state between a forward and its backward.
  private struct MicroBatchState {
    var stash: [Int: SavedActivations] = [:]
    var checkpoints: [Int: ShardedTensor] = [:]
  }

  func run() throws(ExecutorError) -> PipelineWorkerOutput {
    var states = Array(repeating: MicroBatchState(), count: microBatches)
    var parameterGradients = persistentGradients()
    var loss: Float = 0
    let actions = options.schedule.actions(
      stage: view.stage, stages: plan.stageCount, microBatches: microBatches, chunks: plan.chunks)
    for action in actions {
      if action.isForward {
        loss += try forward(
          action.microBatch, chunk: action.chunk, state: &states[action.microBatch])
      } else {
        try backward(
          action.microBatch, chunk: action.chunk, state: &states[action.microBatch],
          into: &parameterGradients)
        if action.chunk == 0 { states[action.microBatch] = MicroBatchState() }
      }
    }
    var output = PipelineWorkerOutput(
      loss: view.stage == plan.stageCount - 1 ? loss : .nan, gradients: [:], zeroGroups: [:],
      parameters: [:])
    try synchroniseAndStep(parameterGradients, into: &output)
    return output
  }

  // MARK: Forward

  private func tag(_ value: Int, _ microBatch: Int, forward: Bool) -> Int {
    (value * microBatches + microBatch) * 2 + (forward ? 0 : 1)
  }

  /// Runs micro-batch `m`'s forward pass of this stage; returns its loss share.
  /// The worker running device `view.localRank` of virtual stage `virtual`.
  private func peer(virtualStage virtual: Int) -> Int {
    view.worker(stage: virtual % plan.stageCount, local: view.localRank)
  }

  private func forward(_ m: Int, chunk: Int, state: inout MicroBatchState) throws(ExecutorError)
    -> Float
  {
    var values: [Int: ShardedTensor] = [:]
    var remaining = localUses[chunk]
    var loss: Float = 0
    for index in chunkSteps[chunk] {
      let step = program.steps[index]
      let placement = plan.steps[index].placement
      var locals: [DeviceTensor] = []
      for (k, input) in step.inputs.enumerated() {
        let value: ShardedTensor
        if let known = values[input] {
          value = known
        } else {
          value = try obtain(input, microBatch: m)
        }
        if fullRecomputation, step.segment != nil, isExternal(input, to: index) {
          state.checkpoints[input] = value
        }
        locals.append(try engine.relayout(value, to: placement.inputs[k]).local)
        remaining[input, default: 1] -= 1
        values[input] = remaining[input] == 0 ? nil : value
      }
      let (local, saved) = try runner(index).forward(
        locals, microBatch: m, tiedWeight: try tiedView(index))
      let output = ShardedTensor(
        local: local, layout: placement.output, globalShape: program.values[step.output].shape)
      if !(fullRecomputation && step.segment != nil) { state.stash[index] = saved }
      for stage in plan.remoteConsumers[step.output] {
        try worker.communicator.send(
          UnsafeBufferPointer(local.storage), to: peer(virtualStage: stage),
          tag: tag(step.output, m, forward: true))
      }
      if step.output == program.outputs.first {
        let whole = try engine.relayout(output, to: .replicated(meshAxes: view.mesh.shape.count))
          .local
        loss += withExtendedLifetime(whole) { whole.storage[0] }
      }
      if remaining[step.output, default: 0] > 0 { values[step.output] = output }
    }
    return loss
  }

  /// Whether `value` comes from outside `step`'s segment on this stage (a checkpoint
  /// for full recomputation).
  private func isExternal(_ value: Int, to index: Int) -> Bool {
    guard let producer = program.values[value].producer,
      plan.virtualStageOfStep[producer] == plan.virtualStageOfStep[index]
    else { return true }
    return program.steps[producer].segment != program.steps[index].segment
  }

  /// A value this stage does not produce: a model input (generated) or another
  /// stage's output (received, in its producer's layout).
  private func obtain(_ value: Int, microBatch m: Int) throws(ExecutorError) -> ShardedTensor {
    let info = program.values[value]
    guard let producer = info.producer else { return makeInput(value, microBatch: m) }
    let layout = plan.steps[producer].placement.output
    let block = ShardBlock(
      tensorRank: info.shape.count, layout: layout, mesh: view.mesh, device: view.localRank)
    let tensor = DeviceTensor(shape: block.localShape(info.shape), allocator: worker.allocator)
    try worker.communicator.receive(
      into: tensor.storage,
      from: peer(virtualStage: plan.virtualStageOfStep[producer]),
      tag: tag(value, m, forward: true))
    return ShardedTensor(local: tensor, layout: layout, globalShape: info.shape)
  }

  /// Micro-batch `m`'s rows of a model input, whole on every device: token ids in
  /// range for the embedding reading it, or values uniform in [-1, 1).
  private func makeInput(_ value: Int, microBatch m: Int) -> ShardedTensor {
    let info = program.values[value]
    let tensor = DeviceTensor(shape: info.shape, allocator: worker.allocator)
    let key = InitialValues.key("input/" + info.name, seed: options.seed)
    let rows = program.steps.first { $0.inputs.contains(value) && $0.op.kind == .embedding }?.op
      .attributes.rows
    var whole = info.shape
    if !whole.isEmpty { whole[0] *= microBatches }
    let block = ShardBlock(
      tensorRank: info.shape.count, splits: [], mesh: view.mesh, device: view.localRank
    )
    .microBatch(m, of: microBatches)
    // Synthesising the batch is the data loader's work, not the device's: it is
    // not timed (a device receives its batch while the previous step runs).
    InitialValues.fill(tensor, shape: whole, block: block) { index in
      let u = InitialValues.uniform(key: key, index: index)
      guard let rows else { return u }
      return Float(min(Int((u + 1) / 2 * Float(rows)), rows - 1))
    }
    return ShardedTensor(
      local: tensor, layout: .replicated(meshAxes: view.mesh.shape.count), globalShape: info.shape)
  }

  /// For a tied linear step, its owner's weight re-laid out as the step needs it.
  private func tiedView(_ index: Int) throws(ExecutorError) -> DeviceTensor? {
    guard let tie = plan.steps[index].tie else { return nil }
    let owner: DeviceTensor
    if let replica = tiedReplicas[index] {
      owner = replica.weight
    } else if let own = try runner(tie.owner).parameters.first {
      owner = own
    } else {
      throw .invalidArgument("\(program.steps[index].name): the tied weight's owner has no weight")
    }
    let weight = ShardedTensor(local: owner, layout: tie.ownerLayout, globalShape: tie.shape)
    return try engine.relayout(weight, to: tie.viewLayout).local
  }

  /// Whether ZeRO-3 keeps only a chunk of this parameter between uses.
  private func isSharded(_ spec: ParameterSpec) -> Bool {
    options.zeroStage >= 3 && !spec.syncAxes.isEmpty
  }

  /// The whole block of a parameter as the configuration splits it.
  private func blockShape(_ spec: ParameterSpec) -> [Int] {
    ShardBlock(
      tensorRank: spec.shape.count, splits: spec.splits, mesh: view.mesh, device: view.localRank
    )
    .localShape(spec.shape)
  }

  /// The runner of step `index`, with ZeRO-3 chunks all-gathered into whole blocks
  /// (freed again when the caller drops the runner).
  private func runner(_ index: Int) throws(ExecutorError) -> OperatorRunner {
    guard var runner = runners[index] else {
      throw .invalidArgument("step \(index) does not run on stage \(view.stage)")
    }
    for (j, spec) in plan.steps[index].specs.enumerated() where isSharded(spec) {
      let whole = DeviceTensor(shape: blockShape(spec), allocator: worker.allocator)
      try worker.communicator.allGather(
        UnsafeBufferPointer(runner.parameters[j].storage), into: whole.storage,
        group: view.group(alongAxes: spec.syncAxes))
      runner.parameters[j] = whole
    }
    return runner
  }

  // MARK: Backward

  /// Reruns the forward of `segment`'s steps from their checkpoints, refilling the stash.
  private func recompute(segment: Int, chunk: Int, state: inout MicroBatchState, microBatch m: Int)
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

  private func backward(
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

  private func zeros(value: Int) -> ShardedTensor {
    let layout = plan.gradientLayout(of: value)
    let shape = program.values[value].shape
    let block = ShardBlock(
      tensorRank: shape.count, layout: layout, mesh: view.mesh, device: view.localRank)
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

  // MARK: Synchronisation and optimizer

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
  private func persistentGradients() -> GradientSums {
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
  private func shardEarly(_ index: Int, _ state: inout GradientSums) throws(ExecutorError) {
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
  private func synchroniseEarly(_ index: Int, _ gradients: [DeviceTensor]) throws(ExecutorError) {
    let own = plan.steps[index].tie == nil ? gradients : Array(gradients.dropFirst())
    worker.communicator.overlapsTransfers = true
    defer { worker.communicator.overlapsTransfers = false }
    for (spec, gradient) in zip(plan.steps[index].specs, own) {
      for axis in spec.syncAxes {
        try worker.communicator.allReduce(gradient.storage, group: view.group(alongAxis: axis))
      }
    }
  }

  private func synchroniseAndStep(
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
  private func tieWorker(of step: Int) -> Int {
    view.worker(stage: plan.stageOfStep[step], local: view.localRank)
  }

  /// Point-to-point tags of tied-weight exchanges (negative: apart from activation tags).
  private func tieTag(_ tiedStep: Int, returning: Bool) -> Int {
    -(1 + 2 * tiedStep + (returning ? 1 : 0))
  }

  /// Applies the owner's summed gradient to each tied-weight replica, with the same
  /// optimizer step, so replica and owner stay equal.
  private func updateTiedReplicas() throws(ExecutorError) {
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
