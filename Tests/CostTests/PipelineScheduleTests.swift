import Testing

@testable import TensorOptCost

@Suite("Pipeline schedules: bubble and micro-batches in flight")
struct PipelineScheduleTests {
  @Test func gpipeAndOneFOneBHaveBubbleStagesMinusOneOverMicroBatches() {
    for schedule in PipelineSchedule.allCases {
      #expect(schedule.bubbleFraction(stages: 4, microBatches: 8) == 3.0 / 8)
      #expect(schedule.bubbleFraction(stages: 1, microBatches: 8) == 0)
    }
  }

  @Test func interleavingDividesTheBubbleByTheChunkCount() {
    #expect(
      PipelineSchedule.oneForwardOneBackward.bubbleFraction(stages: 4, microBatches: 8, chunks: 2)
        == 3.0 / 16)
  }

  @Test func pipelineTimeIsMicroBatchesPlusBubbleTimesStageTime() {
    let time = PipelineSchedule.oneForwardOneBackward.pipelineTime(
      stageTime: 2, stages: 4, microBatches: 8)
    #expect(abs(time - (8 + 3) * 2) < 1e-12)
    let interleaved = PipelineSchedule.oneForwardOneBackward.pipelineTime(
      stageTime: 2, stages: 4, microBatches: 8, chunks: 2)
    #expect(abs(interleaved - (8 + 1.5) * 2) < 1e-12)
  }

  @Test func gpipeHoldsEveryMicroBatch() {
    for stage in 0..<4 {
      #expect(
        PipelineSchedule.gpipe.inFlightMicroBatches(stage: stage, stages: 4, microBatches: 16) == 16
      )
    }
  }

  @Test func oneFOneBHoldsStagesMinusStageCappedByMicroBatches() {
    let schedule = PipelineSchedule.oneForwardOneBackward
    #expect(
      (0..<4).map { schedule.inFlightMicroBatches(stage: $0, stages: 4, microBatches: 16) } == [
        4, 3, 2, 1,
      ])
    #expect(schedule.inFlightMicroBatches(stage: 0, stages: 4, microBatches: 2) == 2)
  }

  @Test func interleavedFirstStageHoldsMegatronsFigure() {
    // Narayanan et al. 2021: p · (1 + (p − 1)/(p · v)) stage-micro-batches at stage 0.
    let p = 4
    let v = 2
    let expected = Double(p) * (1 + Double(p - 1) / Double(p * v))
    let held = PipelineSchedule.oneForwardOneBackward.inFlightMicroBatches(
      stage: 0, stages: p, microBatches: 16, chunks: v)
    #expect(abs(held - expected) < 1e-12)
    let last = PipelineSchedule.oneForwardOneBackward.inFlightMicroBatches(
      stage: 3, stages: p, microBatches: 16, chunks: v)
    #expect(abs(last - Double((v - 1) * p + 1) / Double(v)) < 1e-12)
  }
}
