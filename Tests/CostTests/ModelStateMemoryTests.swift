import TensorOptGraph
import Testing

@testable import TensorOptCost

@Suite("Model-state memory follows the ZeRO accounting")
struct ModelStateMemoryTests {
  // A 1024 → 4096 linear with bias: 1024·4096 + 4096 parameters.
  let parameters = 1024.0 * 4096 + 4096

  func cost(
    mesh: DeviceMesh, assignments: [String?], dtype: DTypePolicy = .bf16,
    optimizer: Optimizer = .adam, zero: Int = 0
  ) throws -> NodeCost {
    let graph = try Fixtures.linear(batch: 64, inputs: 1024, outputs: 4096)
    let model = AnalyticalStageCost(
      mesh: mesh, cluster: Fixtures.cluster(),
      options: TrainingOptions(dtype: dtype, optimizer: optimizer, zeroStage: zero))
    return model.breakdown(
      of: graph.nodes[0], in: graph, configuration: OpConfiguration(assignments), insideBlock: false
    )
  }

  @Test func mixedPrecisionAdamKeepsSixteenBytesPerParameter() throws {
    let c = try cost(mesh: DeviceMesh([1]), assignments: [nil])
    #expect(c.weightBytes == 2 * parameters)
    #expect(c.gradientBytes == 2 * parameters)
    #expect(c.optimizerBytes == 12 * parameters)
    #expect(c.stateBytes == 16 * parameters)
  }

  @Test func otherPoliciesKeepTheirDocumentedBytes() throws {
    #expect(
      try cost(mesh: DeviceMesh([1]), assignments: [nil], dtype: .fp32).stateBytes == 16
        * parameters)
    #expect(
      try cost(mesh: DeviceMesh([1]), assignments: [nil], dtype: .fp32, optimizer: .sgd).stateBytes
        == 12 * parameters)
    #expect(
      try cost(mesh: DeviceMesh([1]), assignments: [nil], dtype: .fp16, optimizer: .sgd).stateBytes
        == 12 * parameters)
  }

  @Test func zeroStagesDivideOptimizerThenGradientsThenWeights() throws {
    let mesh = DeviceMesh([4])
    let zero1 = try cost(mesh: mesh, assignments: ["batch"], zero: 1)
    #expect(zero1.weightBytes == 2 * parameters && zero1.gradientBytes == 2 * parameters)
    #expect(zero1.optimizerBytes == 12 * parameters / 4)
    let zero2 = try cost(mesh: mesh, assignments: ["batch"], zero: 2)
    #expect(zero2.weightBytes == 2 * parameters)
    #expect(
      zero2.gradientBytes == 2 * parameters / 4 && zero2.optimizerBytes == 12 * parameters / 4)
    let zero3 = try cost(mesh: mesh, assignments: ["batch"], zero: 3)
    #expect(zero3.stateBytes == 16 * parameters / 4)
  }

  @Test func tensorParallelSplitDividesParametersBeforeZero() throws {
    let column = try cost(mesh: DeviceMesh([1, 4]), assignments: [nil, "out"])
    #expect(column.parameters == parameters / 4)
    #expect(column.stateBytes == 16 * parameters / 4)
    #expect(column.gradientSync == 0)  // nothing to synchronise: every device owns its slice
  }

  @Test func dataParallelGradientsAreAllReducedOverTheReplicaGroup() throws {
    let c = try cost(mesh: DeviceMesh([4]), assignments: ["batch"])
    let n = 2 * parameters
    let expected = 2 * 3.0 / 4 * n / 100e9 + 2 * 3 * 2e-6
    #expect(abs(c.gradientSync - expected) < 1e-12)
    #expect(c.gradientSyncExposed == max(0, expected - c.backward))
  }

  @Test func savedActivationsAreTheLocalInputAndScaleWithMicroBatchesInFlight() throws {
    let c = try cost(mesh: DeviceMesh([4]), assignments: ["batch"])
    #expect(c.activationBytes == 64.0 / 4 * 1024 * 2)  // the bf16 input slice
    let vector = c.vector(microBatches: 1, inFlight: 3)
    #expect(vector.memory == c.stateBytes + 3 * c.activationBytes)
  }

  @Test func stateBytesTableMatchesTheZeroPaper() {
    #expect(StateBytes(dtype: .bf16, optimizer: .adam).total == 16)
    #expect(StateBytes(dtype: .fp32, optimizer: .adam).total == 16)
    #expect(StateBytes(dtype: .bf16, optimizer: .sgd).total == 12)
  }
}

@Suite("ZeRO communication volumes")
struct ZeroCommunicationTests {
  let parameters = 1024.0 * 4096 + 4096
  let cluster = Fixtures.cluster()

  func cost(zero: Int, microBatches: Int, overlap: Bool = false) throws -> NodeCost {
    let graph = try Fixtures.linear(batch: 64, inputs: 1024, outputs: 4096)
    let model = AnalyticalStageCost(
      mesh: DeviceMesh([4]), cluster: cluster,
      options: TrainingOptions(
        dtype: .bf16, zeroStage: zero, microBatchCount: microBatches, overlapsGradientSync: overlap)
    )
    return model.breakdown(
      of: graph.nodes[0], in: graph, configuration: OpConfiguration(["batch"]), insideBlock: false)
  }

  /// One-pass ring time among the 4 replicas of `n` bytes.
  func onePass(_ n: Double) -> Double { 3.0 / 4 * n / 100e9 + 3 * 2e-6 }

  @Test func zeroOneReduceScattersAndGathersOncePerIteration() throws {
    let c = try cost(zero: 1, microBatches: 4)
    #expect(abs(c.gradientSync - 2 * onePass(2 * parameters)) < 1e-15)
  }

  @Test func zeroTwoReduceScattersEveryMicroBatch() throws {
    let c = try cost(zero: 2, microBatches: 4)
    #expect(abs(c.gradientSync - (4 * onePass(2 * parameters) + onePass(2 * parameters))) < 1e-15)
  }

  @Test func zeroThreeGathersWeightsForwardAndBackward() throws {
    let c = try cost(zero: 3, microBatches: 4)
    #expect(abs(c.gradientSync - 4 * onePass(2 * parameters)) < 1e-15)
    #expect(abs(c.parameterGather - 2 * onePass(2 * parameters)) < 1e-15)
    #expect(c.parameterGatherExposed == c.parameterGather)  // no overlap asked for
    #expect(c.workspaceBytes >= 2 * 2 * parameters)  // the gathered and the prefetched copy
  }

  @Test func overlapHidesTheSyncBehindBackward() throws {
    let plain = try cost(zero: 0, microBatches: 1)
    let overlapped = try cost(zero: 0, microBatches: 1, overlap: true)
    #expect(plain.gradientSyncExposed == plain.gradientSync)
    #expect(
      abs(overlapped.gradientSyncExposed - max(0, plain.gradientSync - plain.backward)) < 1e-15)
  }
}
