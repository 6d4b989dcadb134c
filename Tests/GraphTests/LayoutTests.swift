import TensorOptGraph
import Testing

@Suite("Meshes, configurations and layouts")
struct LayoutTests {
  let mesh = DeviceMesh([2, 4])

  @Test("mesh groups: axis 1 is consecutive devices, axis 0 is strided")
  func meshGroups() {
    #expect(mesh.group(of: 5, alongAxis: 1) == [4, 5, 6, 7])
    #expect(mesh.group(of: 5, alongAxis: 0) == [1, 5])
    #expect(mesh.coordinates(of: 6) == [1, 2])
    #expect(DeviceMesh.shapes(deviceCount: 8).map(\.shape) == [[8], [2, 4], [4, 2]])
  }

  func linearDimensions() -> [ParallelDimension] {
    let input: Shape = [Dimension("batch", 8), Dimension("seq", 16), Dimension("hidden", 64)]
    let output: Shape = [Dimension("batch", 8), Dimension("seq", 16), Dimension("ffn", 256)]
    return Operator(.linear).parallelDimensions(inputs: [input], output: output)
  }

  @Test("a linear layer has batch, seq, out and in (reduction) dimensions")
  func linearDimensionsAreTheEinsumView() {
    let dims = linearDimensions()
    #expect(dims.map(\.name) == ["batch", "seq", "out", "in"])
    #expect(dims.map(\.isReduction) == [false, false, false, true])
    #expect(dims.map(\.splitsParameters) == [false, false, true, true])
    // 5 choices per axis (replicate or one of 4 dimensions), all sizes divisible by 2·4.
    #expect(OpConfiguration.all(for: dims, on: mesh).count == 25)
  }

  @Test("column-parallel linear: output split, input replicated, input gradient partial")
  func columnParallelPlacement() {
    let placement = OpConfiguration(["batch", "out"]).placement(
      dimensions: linearDimensions(), inputCount: 1, on: mesh)
    #expect(placement.output == TensorLayout(splitAxis: [0, 2], isPartial: [false, false]))
    #expect(placement.inputs[0] == TensorLayout(splitAxis: [0, nil], isPartial: [false, false]))
    #expect(
      placement.inputGradients[0] == TensorLayout(splitAxis: [0, nil], isPartial: [false, true]))
    #expect(placement.parameterSplit == 4)
    #expect(placement.gradientSyncAxes == [0])
    #expect(placement.workDivisor == 8)
  }

  @Test("row-parallel linear: output partial, input split on its last axis")
  func rowParallelPlacement() {
    let placement = OpConfiguration([nil, "in"]).placement(
      dimensions: linearDimensions(), inputCount: 1, on: mesh)
    #expect(placement.output == TensorLayout(splitAxis: [nil, nil], isPartial: [false, true]))
    #expect(placement.inputs[0] == TensorLayout(splitAxis: [nil, 2], isPartial: [false, false]))
    #expect(placement.workDivisor == 4)
  }

  @Test(
    "re-layout chooses all-reduce, reduce-scatter, all-gather, all-to-all and slice with the right sizes"
  )
  func relayoutSteps() {
    let n = 1024.0
    let partial = TensorLayout(splitAxis: [nil, nil], isPartial: [false, true])
    let replicated = TensorLayout.replicated(meshAxes: 2)
    #expect(
      partial.relayout(to: replicated, totalBytes: n, mesh: mesh) == [
        RelayoutStep(kind: .allReduce, meshAxis: 1, bytes: n)
      ])
    let seqSplit = TensorLayout(splitAxis: [nil, 1], isPartial: [false, false])
    #expect(
      partial.relayout(to: seqSplit, totalBytes: n, mesh: mesh) == [
        RelayoutStep(kind: .reduceScatter, meshAxis: 1, bytes: n)
      ])
    #expect(
      seqSplit.relayout(to: replicated, totalBytes: n, mesh: mesh) == [
        RelayoutStep(kind: .allGather, meshAxis: 1, bytes: n)
      ])
    #expect(
      replicated.relayout(to: seqSplit, totalBytes: n, mesh: mesh) == [
        RelayoutStep(kind: .slice, meshAxis: 1, bytes: n / 4)
      ])
    let hiddenSplit = TensorLayout(splitAxis: [nil, 2], isPartial: [false, false])
    #expect(
      seqSplit.relayout(to: hiddenSplit, totalBytes: n, mesh: mesh) == [
        RelayoutStep(kind: .allToAll, meshAxis: 1, bytes: n / 4)
      ])
    #expect(seqSplit.relayout(to: seqSplit, totalBytes: n, mesh: mesh).isEmpty)
  }

  @Test("a batch-split, partial tensor is reduced on its shard before it is gathered")
  func relayoutReducesShardFirst() {
    let n = 1024.0
    let from = TensorLayout(splitAxis: [0, nil], isPartial: [false, true])
    let steps = from.relayout(to: .replicated(meshAxes: 2), totalBytes: n, mesh: mesh)
    #expect(
      steps == [
        RelayoutStep(kind: .allReduce, meshAxis: 1, bytes: n / 2),
        RelayoutStep(kind: .allGather, meshAxis: 0, bytes: n),
      ])
  }
}
