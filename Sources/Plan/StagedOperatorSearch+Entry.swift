import TensorOptCost
import TensorOptGraph
import TensorOptSearch

extension StagedOperatorSearch {
  /// The plan entry of one pipeline: its cost as ``PipelineCombination`` forms
  /// it, the breakdown of its slowest stage (time) and fullest stage (memory),
  /// and per stage its layers and every operator's configuration.
  func entry(
    _ item: Prepared, mesh: DeviceMesh, picked: [StageCandidate], costs: [StageCost],
    transfer: Double, time: Double, memory: Double
  ) -> PlanEntry {
    let family = item.family
    let (p, m) = (family.stages, family.microBatches)
    let md = Double(m)
    func first(_ values: [Double]) -> Int {
      values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) } ?? 0
    }
    let slow = first(costs.map(\.work))
    let tailStage = first(costs.map(\.tail))
    let full = first(costs.map(\.memory))
    let stageTime = costs[slow].work + transfer
    let pipeline = family.slots * stageTime
    let b = picked[slow].tally
    let w = picked[full].tally
    let inFlight = (0..<p).map {
      family.schedule.inFlightMicroBatches(stage: $0, stages: p, microBatches: m)
    }
    let breakdown = PlanBreakdown(
      time: PlanTimeBreakdown(
        forwardS: md * b.forward, backwardS: md * b.backward, recomputeS: md * b.recompute,
        tensorParallelS: md * max(costs[slow].work - picked[slow].compute, 0),
        parameterGatherS: md * b.parameterGather, pipelineTransferS: md * transfer,
        pipelineBubbleS: pipeline - md * stageTime,
        dataParallelSyncS: picked[tailStage].tally.gradientSyncExposed,
        dataParallelSyncOverlappedS: picked[tailStage].tally.gradientSync
          - picked[tailStage].tally.gradientSyncExposed,
        optimizerS: picked[tailStage].tally.optimizerStep),
      memory: PlanMemoryBreakdown(
        stage: full, weightsBytes: w.weightBytes, gradientsBytes: w.gradientBytes,
        optimizerBytes: w.optimizerBytes, activationsBytes: w.activationBytes * inFlight[full],
        inFlightMicroBatches: inFlight[full], workspaceBytes: w.workspaceBytes),
      stages: (0..<p).map {
        PlanStageSummary(
          stage: $0, microBatchS: costs[$0].work + transfer, peakMemoryBytes: costs[$0].memory,
          inFlightMicroBatches: inFlight[$0])
      })
    let throughput = PlanThroughput(
      request: request, cluster: cluster, graph: item.graph, microBatches: md, time: time,
      devices: devices)
    let strategy = PlanStrategy(
      dp: 1, tp: mesh.deviceCount, pp: p, microbatch: request.batch / m, microBatches: m,
      schedule: family.schedule, recompute: family.recomputation, zero: family.zeroStage,
      stageMesh: mesh.shape, dataAxis: -1, uniformLayout: false,
      deviations: StageDeviations.names(
        stages: item.stages, strategies: picked.map(\.strategy), mesh: mesh),
      stages: picked.indices.map { planStage($0, of: item, strategy: picked[$0].strategy) })
    return PlanEntry(
      timeS: time, memoryBytes: memory, memoryLimitBytes: request.memoryLimit,
      throughput: throughput, breakdown: breakdown, strategy: strategy)
  }

  /// Stage `stage`'s layers, devices and configurations under `strategy`.
  func planStage(_ stage: Int, of item: Prepared, strategy: Strategy) -> PlanStage {
    let part = item.stages[stage]
    var operators: [String: String] = [:]
    var blocks: [String: PlanBlockChoices] = [:]
    for node in part.graph.nodes {
      switch node.content {
      case .op:
        operators[node.name] = strategy.operators[node.name]?.description
      case .block(let block):
        guard let choices = strategy.blocks[node.name] else { continue }
        var runs: [String: [PlanRun]] = [:]
        for bodyNode in block.body.nodes {
          if let perRepetition = choices.operators[bodyNode.name] {
            runs[bodyNode.name] = PlanRun.runs(perRepetition.map(\.description))
          }
        }
        blocks[node.name] = PlanBlockChoices(
          repetitions: [part.repetitions[node.name] ?? [0, block.repeatCount]], operators: runs,
          boundaries: PlanRun.runs(choices.boundaries.map(\.description)))
      }
    }
    return PlanStage(
      stage: stage, firstDevice: stage * strategy.mesh.deviceCount, layers: [part.layers],
      operators: operators, tensors: strategy.tensors.mapValues(\.description), blocks: blocks)
  }
}
