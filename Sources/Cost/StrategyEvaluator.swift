import TensorOptGraph

/// Costs a uniform strategy end to end: per-operator stage costs (through
/// ``AnalyticalStageCost`` and ``UniformLayout/megatron(graph:mesh:dataAxis:tensorAxis:sequenceParallel:)``),
/// then the pipeline schedule, data-parallel synchronisation and optimizer step.
///
/// Devices are numbered `[pp, dp, tp]` row-major: a stage is `dp · tp`
/// consecutive devices on the stage mesh `[dp, tp]`, tensor-parallel groups are
/// consecutive (inside a node when `tp` divides the node size).
public struct StrategyEvaluator: Sendable {
  /// The hardware.
  public var cluster: Cluster

  /// Creates an evaluator.
  public init(cluster: Cluster) { self.cluster = cluster }

  /// Evaluates `strategy` for `model` at `globalBatchSize` samples of
  /// `sequenceLength` tokens. The graph is built for one micro-batch of every
  /// replica (`dp · microBatchSize` samples) and, for a language model when the
  /// strategy says so, its vocabulary padded (``Graph/paddingVocabulary(toMultipleOf:)``).
  ///
  /// - Throws: ``StrategyError`` when the strategy is impossible (degrees that
  ///   do not multiply to the cluster's devices, a batch that does not divide
  ///   into replicas and micro-batches, layers that do not divide into stages,
  ///   an unknown combination of options, a graph that cannot be built).
  ///   A strategy that does not fit in memory is a result (`fits == false`).
  public func evaluate(
    model: Model, globalBatchSize: Int, sequenceLength: Int?, strategy: ParallelStrategy
  ) throws(StrategyError) -> Evaluation {
    let s = strategy
    try validate(s, globalBatchSize: globalBatchSize)
    let microBatches = globalBatchSize / (s.dataParallel * s.microBatchSize)
    let built: Graph
    do {
      built = try model.graph(
        batchSize: s.dataParallel * s.microBatchSize, sequenceLength: sequenceLength)
    } catch {
      throw StrategyError("cannot build \(model.name) for this strategy: \(error)")
    }
    // Only language models have a vocabulary to pad (a classifier's classes stay as they are).
    let graph =
      model.family == .language
      ? built.paddingVocabulary(toMultipleOf: s.vocabularyMultiple) : built
    try validatePartition(s, layers: graph.layerCount, modelName: model.name)
    var evaluation = evaluate(
      graph: graph, modelName: model.name, family: model.family, globalBatchSize: globalBatchSize,
      sequenceLength: sequenceLength ?? model.defaults.sequenceLength, microBatches: microBatches,
      strategy: s)
    if s.stageLayers == nil, s.pipelineStages > 1, graph.layerCount % s.pipelineStages != 0 {
      let split = s.partition(layers: graph.layerCount).chunkLayers
      evaluation.notes.insert(
        "pp \(s.pipelineStages) does not divide \(graph.layerCount) layers: stages run "
          + "\(split.map(String.init).joined(separator: ",")) layers (larger stages first)",
        at: 0)
    }
    if let before = built.vocabularySize, let after = graph.vocabularySize, before != after {
      evaluation.notes.insert(
        "vocabulary padded \(before) → \(after) (multiple of 128·tp, as Megatron-LM)", at: 0)
    }
    return evaluation
  }

  /// Checks that the model's `layers` can be dealt to the strategy's stages:
  /// an explicit ``ParallelStrategy/stageLayers`` (interleave 1, one count of at
  /// least 1 per stage, summing to `layers`), otherwise at least one layer per
  /// stage, and with interleaving `pp · v` dividing `layers`.
  func validatePartition(_ s: ParallelStrategy, layers: Int, modelName: String)
    throws(StrategyError)
  {
    let p = s.pipelineStages
    if let split = s.stageLayers {
      let text = split.map(String.init).joined(separator: ",")
      guard s.interleave == 1 else {
        throw StrategyError("--stage-layers needs --interleave 1 (interleaved chunks are balanced)")
      }
      guard split.count == p else {
        throw StrategyError("--stage-layers \(text) has \(split.count) counts; --pp is \(p)")
      }
      guard split.allSatisfy({ $0 >= 1 }) else {
        throw StrategyError("--stage-layers \(text): every stage needs at least 1 layer")
      }
      guard split.reduce(0, +) == layers else {
        throw StrategyError(
          "--stage-layers \(text) sums to \(split.reduce(0, +)); \(modelName) has \(layers) layers")
      }
      return
    }
    guard p > 1 else { return }
    guard layers > 0 else {
      throw StrategyError("\(modelName) has no repeated layers to split into \(p) pipeline stages")
    }
    guard layers >= p else {
      throw StrategyError("\(modelName) has \(layers) layers, fewer than --pp \(p) stages")
    }
    let chunks = p * s.interleave
    guard s.interleave == 1 || layers % chunks == 0 else {
      throw StrategyError(
        "\(modelName)'s \(layers) layers do not divide into pp·interleave = \(chunks) pipeline chunks"
      )
    }
  }

  func validate(_ s: ParallelStrategy, globalBatchSize: Int) throws(StrategyError) {
    for (name, value) in [
      ("dp", s.dataParallel), ("tp", s.tensorParallel), ("pp", s.pipelineStages),
      ("microbatch", s.microBatchSize),
      ("interleave", s.interleave), ("batch", globalBatchSize),
    ] where value < 1 {
      throw StrategyError("--\(name) must be at least 1, got \(value)")
    }
    guard s.deviceCount <= cluster.deviceCount else {
      throw StrategyError(
        "dp·tp·pp = \(s.deviceCount) devices, but the cluster has \(cluster.deviceCount)")
    }
    guard (0...3).contains(s.zeroStage) else {
      throw StrategyError("--zero must be 0, 1, 2 or 3, got \(s.zeroStage)")
    }
    guard s.interleave == 1 || (s.schedule == .oneForwardOneBackward && s.pipelineStages > 1) else {
      throw StrategyError("--interleave needs --schedule 1f1b and --pp greater than 1")
    }
    guard globalBatchSize % (s.dataParallel * s.microBatchSize) == 0 else {
      throw StrategyError(
        "batch \(globalBatchSize) does not divide into dp·microbatch = \(s.dataParallel * s.microBatchSize)"
      )
    }
    let microBatches = globalBatchSize / (s.dataParallel * s.microBatchSize)
    guard s.interleave == 1 || microBatches % s.pipelineStages == 0 else {
      throw StrategyError(
        "the interleaved schedule needs the \(microBatches) micro-batches to divide by pp = \(s.pipelineStages)"
      )
    }
  }

  /// Evaluates a graph already built for one micro-batch of every replica
  /// (batch `dp · microBatchSize`); `microBatches` per iteration.
  public func evaluate(
    graph: Graph, modelName: String, family: ModelFamily, globalBatchSize: Int,
    sequenceLength: Int?,
    microBatches m: Int, strategy s: ParallelStrategy
  ) -> Evaluation {
    var notes: [String] = []
    let p = s.pipelineStages
    let v = s.interleave
    let stageSize = s.dataParallel * s.tensorParallel
    let mesh = DeviceMesh([s.dataParallel, s.tensorParallel])
    let configuration = UniformLayout.megatron(
      graph: graph, mesh: mesh, dataAxis: 0, tensorAxis: 1, sequenceParallel: s.sequenceParallel)
    let options = TrainingOptions(
      dtype: s.dtype, optimizer: s.optimizer, zeroStage: s.zeroStage,
      recomputation: s.recomputation,
      microBatchCount: m)
    let models = (0..<p).map {
      AnalyticalStageCost(
        mesh: mesh, cluster: cluster, firstDevice: $0 * stageSize, options: options)
    }
    let (chunkTallies, boundaryBytes, boundaryReplicated) = chunkTallies(
      graph: graph, configuration: configuration, models: models,
      partition: s.partition(layers: graph.layerCount), notes: &notes)
    var stages = Array(repeating: StageTally(), count: p)
    for (index, tally) in chunkTallies.enumerated() { stages[index % p].add(tally) }

    // Pipeline point-to-point: 2·v sends per micro-batch (activation forward,
    // gradient backward), over the link between neighbouring stages. When the
    // tensor-parallel ranks hold identical copies, each sends 1/tp of it and the
    // receivers all-gather (Megatron's scatter/gather optimisation).
    var p2p = 0.0
    if p > 1 {
      let t = s.tensorParallel
      let scatter = boundaryReplicated && t > 1
      let gather =
        scatter
        ? cluster.collectiveTime(
          .allGather, bytes: boundaryBytes, group: models[0].group(alongAxes: [1])) : 0
      for stage in 0..<(p - 1) {
        let pair = cluster.group([stage * stageSize, (stage + 1) * stageSize])
        let send = cluster.collectiveTime(
          .sendReceive, bytes: boundaryBytes / Double(scatter ? t : 1), group: pair)
        p2p = max(p2p, 2 * Double(v) * (send + gather))
      }
    }
    let perMicroBatch = stages.map { $0.microBatchTime + p2p }
    let slowest = perMicroBatch.indices.max { perMicroBatch[$0] < perMicroBatch[$1] } ?? 0
    let stageTime = perMicroBatch[slowest]
    let pipeline = s.schedule.pipelineTime(
      stageTime: stageTime, stages: p, microBatches: m, chunks: v)
    let tails = stages.map { $0.gradientSyncExposed + $0.optimizerStep }
    let tailStage = tails.indices.max { tails[$0] < tails[$1] } ?? 0
    let time = pipeline + tails[tailStage]
    let b = stages[slowest]
    let md = Double(m)
    let timeBreakdown = Evaluation.TimeBreakdown(
      forwardS: md * b.forward, backwardS: md * b.backward, recomputeS: md * b.recompute,
      tensorParallelS: md * b.tensorParallel, parameterGatherS: md * b.parameterGather,
      pipelineP2pS: md * p2p,
      pipelineBubbleS: pipeline - md * stageTime,
      dataParallelSyncS: stages[tailStage].gradientSyncExposed,
      dataParallelSyncOverlappedS: stages[tailStage].gradientSync
        - stages[tailStage].gradientSyncExposed,
      optimizerS: stages[tailStage].optimizerStep)

    // Memory: states + activations × in-flight micro-batches + workspace, worst stage.
    let peaks = stages.indices.map { stage in
      stages[stage].stateBytes + stages[stage].activationBytes
        * s.schedule.inFlightMicroBatches(stage: stage, stages: p, microBatches: m, chunks: v)
        + stages[stage].workspaceBytes
    }
    let worst = peaks.indices.max { peaks[$0] < peaks[$1] } ?? 0
    let w = stages[worst]
    let inFlight = s.schedule.inFlightMicroBatches(
      stage: worst, stages: p, microBatches: m, chunks: v)
    let memory = Evaluation.MemoryBreakdown(
      stage: worst, weightsBytes: w.weightBytes, gradientsBytes: w.gradientBytes,
      optimizerBytes: w.optimizerBytes,
      activationsBytes: w.activationBytes * inFlight, inFlightMicroBatches: inFlight,
      workspaceBytes: w.workspaceBytes)

    // Throughput and model FLOP utilisation.
    let metrics = graph.totalMetrics(floatBytes: s.dtype.activationBytes)
    let modelFLOPs = (metrics.forwardFLOPs + metrics.backwardFLOPs) * md
    let devices = s.deviceCount
    let samples = Double(globalBatchSize) / time
    let tokens = family == .language ? samples * Double(sequenceLength ?? 1) : samples
    let perDevice = modelFLOPs / time / Double(devices)
    let peak = cluster.device.peak(s.dtype.computePrecision)
    notes.append(topologyNote(models[0], stages: p, stageSize: stageSize))
    notes += replicationNotes(
      graph: graph, configuration: configuration, tensorParallel: s.tensorParallel)
    return Evaluation(
      model: modelName, cluster: cluster.name, devices: devices, strategy: s,
      globalBatchSize: globalBatchSize,
      sequenceLength: family == .language ? sequenceLength : nil, microBatches: m, timeS: time,
      memoryBytes: peaks[worst], memoryCapacityBytes: cluster.device.memoryBytes,
      fits: peaks[worst] <= cluster.device.memoryBytes,
      breakdown: Evaluation.Breakdown(
        time: timeBreakdown, memory: memory, largestBuffers: w.largestBuffers,
        stages: stages.indices.map { stage in
          Evaluation.StageSummary(
            stage: stage, microBatchS: perMicroBatch[stage], peakMemoryBytes: peaks[stage],
            inFlightMicroBatches: s.schedule.inFlightMicroBatches(
              stage: stage, stages: p, microBatches: m, chunks: v))
        }),
      throughput: Evaluation.Throughput(
        samplesPerS: samples, tokensPerS: tokens, modelFlopsPerSPerDevice: perDevice,
        mfu: perDevice / peak),
      notes: notes)
  }

  /// Where the tensor-parallel, data-parallel and pipeline groups sit.
  func topologyNote(_ model: AnalyticalStageCost, stages: Int, stageSize: Int) -> String {
    func describe(_ name: String, _ group: DeviceGroup) -> String? {
      guard group.size > 1 else { return nil }
      return group.spansNodes
        ? "\(name) \(group.size) spans \(group.nodeCount) nodes (inter-node link)"
        : "\(name) \(group.size) inside a node (intra-node link)"
    }
    var parts = [
      describe("tp", model.group(alongAxes: [1])), describe("dp", model.group(alongAxes: [0])),
    ]
    .compactMap { $0 }
    if stages > 1 {
      let pair = cluster.group([0, stageSize])
      parts.append("pipeline neighbours \(pair.spansNodes ? "in different nodes" : "in one node")")
    }
    return "groups: " + (parts.isEmpty ? "a single device" : parts.joined(separator: "; "))
  }

  /// Notes on weight-bearing operators the tensor-parallel rule had to replicate.
  func replicationNotes(graph: Graph, configuration: GraphConfiguration, tensorParallel: Int)
    -> [String]
  {
    guard tensorParallel > 1 else { return [] }
    var names: [String] = []
    func visit(_ graph: Graph, _ configuration: GraphConfiguration) {
      for (index, node) in graph.nodes.enumerated() {
        switch (node.content, configuration.nodes[safe: index]) {
        case (.op(let op), .op(let config)?):
          if [.linear, .embedding, .attention, .conv2d].contains(op.kind),
            config.assignments.last.flatMap({ $0 }) == nil
          {
            names.append(node.name)
          }
        case (.block(let block), .block(let body)?):
          visit(block.body, body)
        default:
          break
        }
      }
    }
    visit(graph, configuration)
    guard !names.isEmpty else { return [] }
    return [
      "tp=\(tensorParallel) does not divide \(names.joined(separator: ", ")); replicated on the tensor axis"
    ]
  }
}
