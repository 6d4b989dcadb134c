import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptExecutor

/// The cost model prices ``TensorLayout/expandedRelayout(to:totalBytes:mesh:)``;
/// the executor's re-layout engine must perform exactly those steps.
@Suite("The executor's re-layouts are the expanded steps the cost model prices")
struct NestedRelayoutTraceTests {
  /// The (kind, group size) of every collective and slice worker 0 performs to
  /// turn an `[8, 16]` tensor from `from` into `to` on a `[2, 4]` mesh.
  func traced(from: TensorLayout, to: TensorLayout) throws -> [String] {
    let mesh = DeviceMesh([2, 4])
    let shape = [8, 16]
    let run = try WorkerPool.run(count: 8) { worker in
      let view = StageView(mesh: mesh, rank: worker.rank)
      let local = DeviceTensor(
        shape: from.localShape(
          Shape(shape.enumerated().map { Dimension("d\($0.offset)", $0.element) }), mesh: mesh
        ).sizes,
        allocator: worker.allocator)
      let value = ShardedTensor(local: local, layout: from, globalShape: shape)
      _ = try RelayoutEngine(view: view, worker: worker).relayout(value, to: to)
    }
    return run.traces[0].events.compactMap { event in
      switch event {
      case .compute(let name, _) where name == "slice": "slice"
      case .transfer(let kind, let group, _, _, _, _): "\(kind) \(group.count)"
      default: nil
      }
    }
  }

  func expected(from: TensorLayout, to: TensorLayout) -> [String] {
    let mesh = DeviceMesh([2, 4])
    return from.expandedRelayout(to: to, totalBytes: 256, mesh: mesh).map { step in
      step.kind == .slice ? "slice" : "\(step.kind.rawValue) \(mesh.shape[step.meshAxis])"
    }
  }

  @Test(
    arguments: [
      ([1, 1], [false, false], [nil, 1]),
      ([nil, 1], [true, false], [1, 1]),
      ([0, nil], [false, false], [1, 0]),
      ([1, 0], [false, false], [nil, 0]),
    ] as [([Int?], [Bool], [Int?])])
  func theEngineCarriesOutTheExpandedSteps(from: [Int?], partial: [Bool], to: [Int?]) throws {
    let source = TensorLayout(splitAxis: from, isPartial: partial)
    let target = TensorLayout(splitAxis: to, isPartial: [false, false])
    #expect(try traced(from: source, to: target) == expected(from: source, to: target))
  }
}
