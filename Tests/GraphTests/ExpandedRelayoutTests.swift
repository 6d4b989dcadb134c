import TensorOptGraph
import Testing

@Suite("Re-layout steps as a device carries them out")
struct ExpandedRelayoutTests {
  let mesh = DeviceMesh([2, 4])
  let n = 1024.0

  func layout(_ split: [Int?], partial: [Bool] = [false, false]) -> TensorLayout {
    TensorLayout(splitAxis: split, isPartial: partial)
  }

  @Test func stepsWithoutNestingAreTheLogicalOnes() {
    let pairs = [
      (layout([0, 1]), layout([nil, 1])),
      (layout([nil, nil], partial: [true, false]), layout([1, nil])),
      (layout([0, nil]), layout([1, nil])),
      (layout([nil, 1], partial: [true, false]), layout([nil, 1])),
    ]
    for (from, to) in pairs {
      #expect(
        from.expandedRelayout(to: to, totalBytes: n, mesh: mesh)
          == from.relayout(to: to, totalBytes: n, mesh: mesh))
    }
  }

  @Test func aGatherNestedInsideAHigherAxisGathersAndSlicesThatAxisAroundIt() {
    // Tensor axis 1 split 8 ways (mesh axis 0 outer, 1 inner) → split by axis 1 only.
    let steps = layout([1, 1]).expandedRelayout(to: layout([nil, 1]), totalBytes: n, mesh: mesh)
    #expect(
      steps == [
        RelayoutStep(kind: .allGather, meshAxis: 1, bytes: n / 2),
        RelayoutStep(kind: .allGather, meshAxis: 0, bytes: n),
        RelayoutStep(kind: .slice, meshAxis: 1, bytes: n / 4),
      ])
  }

  @Test func aNestedReduceScatterReducesTheWholeGatheredTensor() {
    // Partial sums over axis 0, tensor axis 1 split by axis 1 → split 8 ways.
    let from = layout([nil, 1], partial: [true, false])
    let steps = from.expandedRelayout(to: layout([1, 1]), totalBytes: n, mesh: mesh)
    #expect(from.relayout(to: layout([1, 1]), totalBytes: n, mesh: mesh).count == 1)
    #expect(
      steps == [
        RelayoutStep(kind: .allGather, meshAxis: 1, bytes: n),
        RelayoutStep(kind: .reduceScatter, meshAxis: 0, bytes: n),
        RelayoutStep(kind: .slice, meshAxis: 1, bytes: n / 8),
      ])
  }

  @Test func anAxisSplittingAnotherTensorAxisIsNotGathered() {
    // Axis 1 splits tensor axis 0; the step on axis 0 touches tensor axis 1 only.
    let steps = layout([1, 0]).expandedRelayout(to: layout([nil, 0]), totalBytes: n, mesh: mesh)
    #expect(steps == [RelayoutStep(kind: .allGather, meshAxis: 0, bytes: n / 4)])
  }
}
