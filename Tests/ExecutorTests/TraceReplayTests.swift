import TensorOptGraph
import Testing

@testable import TensorOptExecutor

@Suite struct TraceReplayTests {
  @Test func aCollectiveWaitsForItsLastMemberAndLastsItsLongestTransfer() throws {
    let a = WorkerTrace()
    let b = WorkerTrace()
    a.record(.compute(name: "x", cpuSeconds: 1))
    a.record(
      .transfer(
        kind: "all-reduce", group: [0, 1], sequence: 0, bytes: 8, cpuSeconds: 0.5, wallSeconds: 9))
    a.record(.compute(name: "y", cpuSeconds: 2))
    b.record(.compute(name: "x", cpuSeconds: 3))
    b.record(
      .transfer(
        kind: "all-reduce", group: [0, 1], sequence: 0, bytes: 8, cpuSeconds: 0.25, wallSeconds: 9))
    b.record(.compute(name: "y", cpuSeconds: 1))
    let replay = try TraceReplay(traces: [a, b])
    #expect(replay.finishSeconds == [5.5, 4.5])
    #expect(replay.iterationSeconds == 5.5)
    #expect(replay.computeSeconds == [3, 4])
  }

  @Test func aReceiveStartsWhenTheMatchingSendHasFinished() throws {
    let a = WorkerTrace()
    let b = WorkerTrace()
    b.record(
      .transfer(
        kind: "receive", group: [0, 1], sequence: 5, bytes: 4, cpuSeconds: 0.25, wallSeconds: 2))
    b.record(.compute(name: "y", cpuSeconds: 1))
    a.record(.compute(name: "x", cpuSeconds: 1))
    a.record(
      .transfer(
        kind: "send", group: [0, 1], sequence: 5, bytes: 4, cpuSeconds: 0.5, wallSeconds: 0.5))
    let replay = try TraceReplay(traces: [a, b])
    #expect(replay.finishSeconds == [1.5, 2.75])
  }

  @Test func aCollectiveAMemberNeverReachesIsReportedNotLooped() {
    let a = WorkerTrace()
    let b = WorkerTrace()
    a.record(
      .transfer(
        kind: "all-reduce", group: [0, 1], sequence: 0, bytes: 8, cpuSeconds: 0.5, wallSeconds: 9))
    b.record(.compute(name: "x", cpuSeconds: 3))
    #expect(throws: ExecutorError.self) { try TraceReplay(traces: [a, b]) }
  }

  @Test func replayOfARealRunIsBetweenTheBusiestWorkerAndTheSerialSum() throws {
    let graph = try TestModels.transformer()
    let result = try StrategyExecutor.run(
      graph,
      strategy: Strategy(
        mesh: DeviceMesh([2]), configurations: ["layers/fc1": OpConfiguration(["out"])]))
    let replay = try TraceReplay(traces: result.traces)
    let busiest = zip(replay.computeSeconds, replay.transferSeconds).map { $0 + $1 }.max() ?? 0
    let serial: Double = zip(replay.computeSeconds, replay.transferSeconds).reduce(0.0) {
      $0 + $1.0 + $1.1
    }
    #expect(replay.iterationSeconds >= busiest - 1e-12)
    #expect(replay.iterationSeconds <= serial + 1e-9)
    #expect(replay.iterationSeconds > 0)
  }
}
