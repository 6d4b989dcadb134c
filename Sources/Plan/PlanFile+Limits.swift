import TensorOptCost

/// The sizes and invariants a plan file must respect before any command
/// computes with it (`explain`, `export`, `report`, `validate --plan`): the
/// same bounds `tensoropt plan` works within, and the relations every plan it
/// writes satisfies. A file outside them is refused with one line naming the
/// field, never a trap on overflow, a loop over 10^18 devices or a figure that
/// cannot be drawn.
extension PlanFile {
  /// The most devices of a result, and the largest degree (`dp`, `tp`, `pp`,
  /// micro-batch size and count, interleave, mesh axis), as `plan --devices`.
  public static let maximumDevices = 1 << 20
  /// The largest global batch and sequence length, as `plan --batch` and `--seq`.
  public static let maximumBatch = 1 << 30
  /// The most model layers (block repetitions), the block repeat limit of the importers.
  public static let maximumLayers = 1_000_000
  /// The largest magnitude of a figure (seconds, bytes, rates): sums of them stay finite.
  public static let maximumFigure = 1e30

  /// Checks the limits and invariants.
  ///
  /// - Throws: ``PlanFileError`` naming the first field out of range.
  public func checkLimits() throws(PlanFileError) {
    let check = LimitCheck()
    try check.range(model.batch, 1...Self.maximumBatch, ".model.batch")
    if let seq = model.seq { try check.range(seq, 1...Self.maximumBatch, ".model.seq") }
    try check.range(model.layers, 0...Self.maximumLayers, ".model.layers")
    try check.range(cluster.devicesPerNode, 1...Self.maximumDevices, ".cluster.devices_per_node")
    for (index, count) in settings.devices.enumerated() {
      try check.range(count, 1...Self.maximumDevices, ".settings.devices[\(index)]")
    }
    for (value, key) in [
      (settings.maxTp, "max_tp"), (settings.maxPp, "max_pp"), (settings.top, "top"),
    ] {
      if let value { try check.range(value, 1...Self.maximumDevices, ".settings.\(key)") }
    }
    try check.figure(settings.epsilon, ".settings.epsilon")
    if let limit = settings.memoryLimitBytes {
      try check.figure(limit, ".settings.memory_limit_bytes")
    }
    for (index, result) in results.enumerated() {
      try check.result(result, of: model, at: ".results[\(index)]")
    }
  }
}

/// The checks of ``PlanFile/checkLimits()``, each naming the field as the
/// decoding errors do (`.results[0].frontier[2].strategy.dp`).
private struct LimitCheck {
  func range(_ value: Int, _ allowed: ClosedRange<Int>, _ field: String) throws(PlanFileError) {
    guard allowed.contains(value) else {
      throw PlanFileError(
        "field \(field) is \(value), out of range (\(allowed.lowerBound)...\(allowed.upperBound))")
    }
  }

  func figure(_ value: Double, _ field: String) throws(PlanFileError) {
    guard value.isFinite, abs(value) <= PlanFile.maximumFigure else {
      throw PlanFileError("field \(field) is \(value), larger than \(PlanFile.maximumFigure)")
    }
  }

  func result(_ result: PlanResult, of model: PlannedModel, at path: String) throws(PlanFileError) {
    try range(result.devices, 1...PlanFile.maximumDevices, "\(path).devices")
    for (list, name) in [(result.frontier, "frontier"), (result.infeasible, "infeasible")] {
      for (index, entry) in list.enumerated() {
        try self.entry(
          entry, devices: result.devices, model: model, at: "\(path).\(name)[\(index)]")
      }
    }
    for (index, candidate) in result.candidates.enumerated() {
      try figure(candidate.timeS, "\(path).candidates[\(index)].time_s")
      try figure(candidate.memoryBytes, "\(path).candidates[\(index)].memory_bytes")
    }
  }

  func entry(_ entry: PlanEntry, devices: Int, model: PlannedModel, at path: String)
    throws(PlanFileError)
  {
    let t = entry.throughput
    let time = entry.breakdown.time
    let memory = entry.breakdown.memory
    let figures: [(Double, String)] = [
      (entry.timeS, "time_s"), (entry.memoryBytes, "memory_bytes"),
      (entry.memoryLimitBytes, "memory_limit_bytes"), (t.samplesPerS, "throughput.samples_per_s"),
      (t.tokensPerS, "throughput.tokens_per_s"),
      (t.modelFlopsPerSPerDevice, "throughput.model_flops_per_s_per_device"),
      (t.mfu, "throughput.mfu"), (time.forwardS, "breakdown.time.forward_s"),
      (time.backwardS, "breakdown.time.backward_s"),
      (time.recomputeS, "breakdown.time.recompute_s"),
      (time.tensorParallelS, "breakdown.time.tensor_parallel_s"),
      (time.parameterGatherS, "breakdown.time.parameter_gather_s"),
      (time.pipelineTransferS, "breakdown.time.pipeline_transfer_s"),
      (time.pipelineBubbleS, "breakdown.time.pipeline_bubble_s"),
      (time.dataParallelSyncS, "breakdown.time.data_parallel_sync_s"),
      (time.dataParallelSyncOverlappedS, "breakdown.time.data_parallel_sync_overlapped_s"),
      (time.optimizerS, "breakdown.time.optimizer_s"),
      (memory.weightsBytes, "breakdown.memory.weights_bytes"),
      (memory.gradientsBytes, "breakdown.memory.gradients_bytes"),
      (memory.optimizerBytes, "breakdown.memory.optimizer_bytes"),
      (memory.activationsBytes, "breakdown.memory.activations_bytes"),
      (memory.inFlightMicroBatches, "breakdown.memory.in_flight_micro_batches"),
      (memory.workspaceBytes, "breakdown.memory.workspace_bytes"),
    ]
    for (value, name) in figures { try figure(value, "\(path).\(name)") }
    for (index, stage) in entry.breakdown.stages.enumerated() {
      let at = "\(path).breakdown.stages[\(index)]"
      try figure(stage.microBatchS, "\(at).micro_batch_s")
      try figure(stage.peakMemoryBytes, "\(at).peak_memory_bytes")
      try figure(stage.inFlightMicroBatches, "\(at).in_flight_micro_batches")
    }
    try strategy(entry.strategy, devices: devices, model: model, at: "\(path).strategy")
  }

  func strategy(_ s: PlanStrategy, devices: Int, model: PlannedModel, at path: String)
    throws(PlanFileError)
  {
    let degree = 1...PlanFile.maximumDevices
    for (value, name) in [
      (s.dp, "dp"), (s.tp, "tp"), (s.pp, "pp"), (s.microbatch, "microbatch"),
      (s.microBatches, "micro_batches"), (s.interleave, "interleave"),
    ] {
      try range(value, degree, "\(path).\(name)")
    }
    try range(s.zero, 0...3, "\(path).zero")
    // Each factor is at most 2^20, so these products fit in 64 bits.
    guard s.dp * s.tp * s.pp == devices else {
      throw PlanFileError(
        "field \(path): dp \(s.dp) × tp \(s.tp) × pp \(s.pp) is not the result's \(devices) devices"
      )
    }
    guard s.dp * s.microbatch * s.microBatches == model.batch else {
      throw PlanFileError(
        "field \(path): dp \(s.dp) × microbatch \(s.microbatch) × micro_batches \(s.microBatches) "
          + "is not the batch \(model.batch)")
    }
    try mesh(s.stageMesh, product: s.dp * s.tp, at: "\(path).stage_mesh")
    try mesh(s.operatorMesh, product: s.tp, at: "\(path).operator_mesh")
    try range(s.dataAxis, -1...(s.stageMesh.count - 1), "\(path).data_axis")
    for (index, stage) in s.stages.enumerated() {
      let at = "\(path).stages[\(index)]"
      try range(stage.stage, 0...(s.pp - 1), "\(at).stage")
      try range(stage.firstDevice, 0...(devices - 1), "\(at).first_device")
      for (number, layers) in stage.layers.enumerated() {
        try self.layers(layers, model: model, at: "\(at).layers[\(number)]")
      }
      for (name, choices) in stage.blocks {
        let block = "\(at).blocks.\(name)"
        for (number, layers) in choices.repetitions.enumerated() {
          try self.layers(layers, model: model, at: "\(block).repetitions[\(number)]")
        }
        for (op, runs) in choices.operators {
          try self.runs(runs, atMost: model.layers, at: "\(block).operators.\(op)")
        }
        // One boundary layout between consecutive repetitions.
        try self.runs(choices.boundaries, atMost: model.layers, at: "\(block).boundaries")
      }
    }
  }

  /// A mesh has 1 to 8 axes of at most 2^20 devices whose product is `product`.
  func mesh(_ axes: [Int], product: Int, at path: String) throws(PlanFileError) {
    try range(axes.count, 1...8, "\(path) (axes)")
    var devices = 1
    for (index, axis) in axes.enumerated() {
      try range(axis, 1...PlanFile.maximumDevices, "\(path)[\(index)]")
      let (next, overflow) = devices.multipliedReportingOverflow(by: axis)
      guard !overflow, next <= product else {
        throw PlanFileError("field \(path): the axes multiply to more than \(product) devices")
      }
      devices = next
    }
    guard devices == product else {
      throw PlanFileError("field \(path): the axes multiply to \(devices), not \(product) devices")
    }
  }

  /// A half-open layer range `[start, end)` inside the model.
  func layers(_ range: [Int], model: PlannedModel, at path: String) throws(PlanFileError) {
    guard range.count == 2, 0 <= range[0], range[0] <= range[1], range[1] <= model.layers else {
      throw PlanFileError(
        "field \(path) is not a layer range [start, end) within the model's \(model.layers) layers")
    }
  }

  /// Runs of configurations repeat at most `limit` times in all (the model's layers).
  func runs(_ runs: [PlanRun], atMost limit: Int, at path: String) throws(PlanFileError) {
    var total = 0
    for (index, run) in runs.enumerated() {
      try range(run.count, 1...max(limit, 1), "\(path)[\(index)].count")
      total += run.count
      guard total <= max(limit, 1) else {
        throw PlanFileError("field \(path): the runs repeat \(total) times, more than \(limit)")
      }
    }
  }
}
