import Foundation
import TensorOpt

// ─────────────────────────────────────────────────────────────────────────────
// THE SINGLE PLUG POINT between `tensoropt plan` and the other stages.
//
// `plan` needs (1) a model loader and (2) a production `StageCostModel` per mesh
// shape. Until the importer (`ModelLoader.load`) and the analytical cost model
// (`AnalyticalStageCost(mesh:cluster:options:)` with `Cluster` presets and
// files) are on main, the two functions below report that clearly instead of
// falling back to anything made up. To connect them, replace their bodies:
//
//   loadModel:   return try ModelLoader.load(argument)
//   costModels:  let cluster = try file.map { try Cluster.load(contentsOf: $0) }
//                  ?? ClusterPreset(rawValue: gpu)!.cluster(devices: devices, devicesPerNode: gpusPerNode)
//                return DeviceMesh.shapes(deviceCount: devices).map {
//                  AnalyticalStageCost(mesh: $0, cluster: cluster, options: TrainingOptions(dtype: dtype))
//                }
// ─────────────────────────────────────────────────────────────────────────────

/// The cluster flags shared with `evaluate`.
struct ClusterSelection: Sendable {
  /// A GPU preset name, e.g. `a100-80g`.
  var gpu: String?
  /// Devices per node.
  var gpusPerNode: Int?
  /// A cluster description file.
  var file: String?
}

/// Where `plan` gets its model and its cost model.
enum PlanBackend {
  /// The model an argument names (zoo name, model.json, Hugging Face config.json).
  static func loadModel(_ argument: String) throws -> Model {
    throw PlanError(
      "cannot load '\(argument)': the model importer is not connected to `plan` in this build "
        + "(see Sources/CLI/PlanBackend.swift)")
  }

  /// One production stage cost model per mesh shape of `devices` devices.
  static func costModels(
    devices: Int, cluster: ClusterSelection, dtype: DType
  ) throws -> [any StageCostModel] {
    throw PlanError(
      "no production cost model is connected to `plan` in this build (see Sources/CLI/PlanBackend.swift)")
  }
}

/// A user-facing error of `plan`: printed without a stack trace, exit code 1.
struct PlanError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
