/// One pass of one micro-batch on one stage.
struct PipelineAction: Hashable, Sendable {
  /// Forward or backward.
  var isForward: Bool
  /// The micro-batch.
  var microBatch: Int
}

extension PipelineSchedule {
  /// The passes stage `stage` of `stages` runs, in order, for `microBatches` micro-batches.
  ///
  /// GPipe runs every forward, then every backward. 1F1B runs
  /// `min(stages − stage − 1, microBatches)` warm-up forwards, then alternates one
  /// forward and one backward, then runs the remaining backwards, so a stage holds
  /// at most `stages − stage` micro-batches' activations.
  func actions(stage: Int, stages: Int, microBatches: Int) -> [PipelineAction] {
    switch self {
    case .gpipe:
      return (0..<microBatches).map { PipelineAction(isForward: true, microBatch: $0) }
        + (0..<microBatches).map { PipelineAction(isForward: false, microBatch: $0) }
    case .oneFOneB:
      let warmUp = min(stages - stage - 1, microBatches)
      var result = (0..<warmUp).map { PipelineAction(isForward: true, microBatch: $0) }
      for i in 0..<(microBatches - warmUp) {
        result.append(PipelineAction(isForward: true, microBatch: warmUp + i))
        result.append(PipelineAction(isForward: false, microBatch: i))
      }
      for i in (microBatches - warmUp)..<microBatches {
        result.append(PipelineAction(isForward: false, microBatch: i))
      }
      return result
    }
  }
}
