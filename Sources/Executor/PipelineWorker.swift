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
  let engine: RelayoutEngine
  /// Per model chunk, its steps in program order.
  let chunkSteps: [[Int]]
  /// Per model chunk, how many of its steps' input slots read each value.
  let localUses: [[Int: Int]]
  let runners: [Int: OperatorRunner]
  /// Per step and parameter, the optimizer state (Adam's two moments, or SGD's
  /// momentum), allocated when the worker starts and held for the whole step as a
  /// training loop would hold it: a ZeRO member keeps its chunk's share only.
  let optimizerState: [Int: [DeviceTensor]]
  /// For tied steps whose weight's owner is on another stage: the replica of that
  /// weight and its optimizer state.
  let tiedReplicas: [Int: (weight: DeviceTensor, state: DeviceTensor?)]

  var program: FlatProgram { plan.program }
  var microBatches: Int { options.microBatches }
  var fullRecomputation: Bool { options.recomputation == .full }

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
  struct MicroBatchState {
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

  func tag(_ value: Int, _ microBatch: Int, forward: Bool) -> Int {
    (value * microBatches + microBatch) * 2 + (forward ? 0 : 1)
  }

  /// Runs micro-batch `m`'s forward pass of this stage; returns its loss share.
  /// The worker running device `view.localRank` of virtual stage `virtual`.
  func peer(virtualStage virtual: Int) -> Int {
    view.worker(stage: virtual % plan.stageCount, local: view.localRank)
  }

  func forward(_ m: Int, chunk: Int, state: inout MicroBatchState) throws(ExecutorError)
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
  func isExternal(_ value: Int, to index: Int) -> Bool {
    guard let producer = program.values[value].producer,
      plan.virtualStageOfStep[producer] == plan.virtualStageOfStep[index]
    else { return true }
    return program.steps[producer].segment != program.steps[index].segment
  }

  /// A value this stage does not produce: a model input (generated) or another
  /// stage's output (received, in its producer's layout).
  func obtain(_ value: Int, microBatch m: Int) throws(ExecutorError) -> ShardedTensor {
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
  func makeInput(_ value: Int, microBatch m: Int) -> ShardedTensor {
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
  func tiedView(_ index: Int) throws(ExecutorError) -> DeviceTensor? {
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
  func isSharded(_ spec: ParameterSpec) -> Bool {
    options.zeroStage >= 3 && !spec.syncAxes.isEmpty
  }

  /// The whole block of a parameter as the configuration splits it.
  func blockShape(_ spec: ParameterSpec) -> [Int] {
    ShardBlock(
      tensorRank: spec.shape.count, splits: spec.splits, mesh: view.mesh, device: view.localRank
    )
    .localShape(spec.shape)
  }

  /// The runner of step `index`, with ZeRO-3 chunks all-gathered into whole blocks
  /// (freed again when the caller drops the runner).
  func runner(_ index: Int) throws(ExecutorError) -> OperatorRunner {
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
}
