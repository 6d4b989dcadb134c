import TensorOptCost

/// One pass of one micro-batch through one model chunk on one stage.
struct PipelineAction: Hashable, Sendable {
  /// Forward or backward.
  var isForward: Bool
  /// The micro-batch.
  var microBatch: Int
  /// The model chunk (0 unless the pipeline is interleaved); the stage runs
  /// virtual stage `stage + chunk · stages`.
  var chunk: Int = 0
}

extension PipelineSchedule {
  /// The passes stage `stage` of `stages` runs, in order, for `microBatches`
  /// micro-batches and `chunks` model chunks per stage.
  ///
  /// GPipe runs every forward (chunks in order), then every backward (chunks in
  /// reverse). 1F1B runs `min(stages − stage − 1, microBatches)` warm-up forwards,
  /// then alternates one forward and one backward, then runs the remaining
  /// backwards, so a stage holds at most `stages − stage` micro-batches'
  /// activations. With several chunks 1F1B is interleaved (Megatron-LM): forward
  /// units are ordered by groups of `stages` micro-batches per chunk, with
  /// `2(stages − stage − 1) + (chunks − 1)·stages` warm-up units; it needs
  /// `microBatches % stages == 0`.
  func actions(stage: Int, stages: Int, microBatches: Int, chunks: Int = 1) -> [PipelineAction] {
    switch self {
    case .gpipe:
      var result: [PipelineAction] = []
      for chunk in 0..<chunks {
        result += (0..<microBatches).map {
          PipelineAction(isForward: true, microBatch: $0, chunk: chunk)
        }
      }
      for chunk in (0..<chunks).reversed() {
        result += (0..<microBatches).map {
          PipelineAction(isForward: false, microBatch: $0, chunk: chunk)
        }
      }
      return result
    case .oneForwardOneBackward where chunks == 1:
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
    case .oneForwardOneBackward:
      let total = microBatches * chunks
      let warmUp = min((stages - stage - 1) * 2 + (chunks - 1) * stages, total)
      func unit(_ i: Int, forward: Bool) -> PipelineAction {
        let chunk = (i / stages) % chunks
        let microBatch = (i / (stages * chunks)) * stages + i % stages
        return PipelineAction(
          isForward: forward, microBatch: microBatch, chunk: forward ? chunk : chunks - 1 - chunk)
      }
      var result = (0..<warmUp).map { unit($0, forward: true) }
      for i in 0..<(total - warmUp) {
        result.append(unit(warmUp + i, forward: true))
        result.append(unit(i, forward: false))
      }
      for i in (total - warmUp)..<total { result.append(unit(i, forward: false)) }
      return result
    }
  }
}
