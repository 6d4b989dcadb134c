import Foundation
import TensorOpt

/// The single point where `tensoropt plan` meets the importer and the
/// production cost model: everything model- and hardware-specific that the
/// search needs comes through here.
enum PlanBackend {
  /// The model an argument names (zoo name, model.json, Hugging Face config.json).
  static func loadModel(_ argument: String) throws -> Model {
    try reportingUserErrors { try ModelLoader.load(argument) }
  }

  /// One production stage cost model (``AnalyticalStageCost``) per 1-D and 2-D
  /// mesh shape of `devices` devices, on `cluster`, training in `dtype` with
  /// Adam, one micro-batch per iteration.
  static func costModels(devices: Int, cluster: Cluster, dtype: DTypePolicy) -> [any StageCostModel]
  {
    let options = TrainingOptions(dtype: dtype)
    return DeviceMesh.shapes(deviceCount: devices).map {
      AnalyticalStageCost(mesh: $0, cluster: cluster, options: options)
    }
  }
}
