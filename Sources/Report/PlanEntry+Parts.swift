import TensorOptPlan

extension PlanEntry {
  /// One named part of a breakdown.
  struct Part: Hashable, Sendable {
    var name: String
    var value: Double
  }

  /// The exposed time by cause, in the order of `evaluate`; they sum to ``timeS``.
  var timeParts: [Part] {
    let t = breakdown.time
    return [
      Part(name: "forward", value: t.forwardS), Part(name: "backward", value: t.backwardS),
      Part(name: "recompute", value: t.recomputeS),
      Part(name: "tensor parallel", value: t.tensorParallelS),
      Part(name: "parameter gather", value: t.parameterGatherS),
      Part(name: "pipeline transfer", value: t.pipelineTransferS),
      Part(name: "pipeline bubble", value: t.pipelineBubbleS),
      Part(name: "data-parallel sync", value: t.dataParallelSyncS),
      Part(name: "optimizer", value: t.optimizerS),
    ]
  }

  /// The memory of the worst device by kind; they sum to ``memoryBytes``.
  var memoryParts: [Part] {
    let m = breakdown.memory
    return [
      Part(name: "weights", value: m.weightsBytes),
      Part(name: "gradients", value: m.gradientsBytes),
      Part(name: "optimizer state", value: m.optimizerBytes),
      Part(name: "activations", value: m.activationsBytes),
      Part(name: "workspace", value: m.workspaceBytes),
    ]
  }
}
