import TensorOptGraph

/// One worker's place in the strategy: its pipeline stage, the stage's mesh, and
/// its device number within the stage.
struct StageView: Sendable {
  /// The mesh of every stage.
  let mesh: DeviceMesh
  /// This worker's stage.
  let stage: Int
  /// This worker's device number within its stage's mesh.
  let localRank: Int

  init(mesh: DeviceMesh, rank: Int) {
    self.mesh = mesh
    stage = rank / mesh.deviceCount
    localRank = rank % mesh.deviceCount
  }

  /// The worker id of device `local` of stage `stage`.
  func worker(stage: Int, local: Int) -> Int { stage * mesh.deviceCount + local }

  /// This worker's coordinates on the mesh.
  var coordinates: [Int] { mesh.coordinates(of: localRank) }

  /// The worker ids of this worker's group along mesh `axis`, in coordinate order.
  func group(alongAxis axis: Int) -> [Int] {
    mesh.group(of: localRank, alongAxis: axis).map { worker(stage: stage, local: $0) }
  }

  /// The worker ids of this worker's group along several mesh axes, in mixed-radix
  /// order (lowest axis most significant).
  func group(alongAxes axes: [Int]) -> [Int] {
    OperatorRunner.group(of: localRank, alongAxes: axes, mesh: mesh).map {
      worker(stage: stage, local: $0)
    }
  }
}

extension ShardBlock {
  /// The block of micro-batch `index` of `count`: axis 0 is cut into micro-batches
  /// first (outermost), then as before.
  func microBatch(_ index: Int, of count: Int) -> ShardBlock {
    guard count > 1, !pieces.isEmpty else { return self }
    var result = self
    result.index[0] = index * pieces[0] + self.index[0]
    result.pieces[0] = pieces[0] * count
    return result
  }
}
