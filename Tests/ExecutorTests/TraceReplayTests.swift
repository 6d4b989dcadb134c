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
      strategy: ExecutionStrategy(
        mesh: DeviceMesh([2]), configurations: ["layers/fc1": OpConfiguration(["out"])]))
    let replay = try TraceReplay(traces: result.traces)
    let busiest = zip(replay.computeSeconds, replay.transferSeconds).map { $0 + $1 }.max() ?? 0
    let serial: Double = zip(replay.computeSeconds, replay.transferSeconds).reduce(0.0) {
      $0 + $1.0 + $1.1
    }
    #expect(replay.iterationSeconds >= busiest - 1e-12)
    // On each worker's own timeline, compute and blocking transfers fit in its finish.
    for worker in replay.finishSeconds.indices {
      #expect(
        replay.computeSeconds[worker] + replay.blockingTransferSeconds[worker]
          <= replay.finishSeconds[worker] + 1e-12)
      #expect(replay.blockingTransferSeconds[worker] <= replay.transferSeconds[worker] + 1e-15)
    }
    #expect(replay.iterationSeconds <= serial + 1e-9)
    #expect(replay.iterationSeconds > 0)
  }
}

@Suite struct OverlappedReplayTests {
  @Test func anOverlappedAllReduceRunsBesideTheFollowingCompute() throws {
    let traces = [WorkerTrace(), WorkerTrace()]
    for (rank, trace) in traces.enumerated() {
      trace.record(.compute(name: "backward", cpuSeconds: 1))
      trace.record(
        .overlappedTransfer(
          kind: "all-reduce", group: [0, 1], sequence: 0, bytes: 8, cpuSeconds: 2, wallSeconds: 2))
      trace.record(.compute(name: "backward", cpuSeconds: rank == 0 ? 1 : 3))
      trace.record(.joinOverlapped)
      trace.record(.compute(name: "adam", cpuSeconds: 0.5))
    }
    let replay = try TraceReplay(traces: traces)
    // Worker 0: compute ends at 2, the all-reduce (1 → 3) holds it until 3, then adam.
    // Worker 1: compute ends at 4, after the all-reduce, then adam.
    #expect(replay.finishSeconds == [3.5, 4.5])
    // The all-reduce is a transfer of each worker's, but not on its own timeline.
    #expect(replay.transferSeconds == [2, 2])
    #expect(replay.blockingTransferSeconds == [0, 0])
  }

  @Test func dataParallelGradientsAreSyncedDuringBackward() throws {
    var configurations: [String: OpConfiguration] = [:]
    for name in ["fc1", "act", "fc2", "head", "loss"] {
      configurations[name] = OpConfiguration(["batch"])
    }
    let result = try StrategyExecutor.run(
      try TestModels.mlp(),
      strategy: ExecutionStrategy(mesh: DeviceMesh([2]), configurations: configurations))
    let overlapped = result.traces[0].events.filter {
      if case .overlappedTransfer = $0 { return true }
      return false
    }
    #expect(overlapped.count == 6)  // weight and bias of three linear layers
    let replay = try TraceReplay(traces: result.traces)
    #expect(replay.iterationSeconds > 0)
  }
}
