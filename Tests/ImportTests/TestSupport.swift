import Foundation
import TensorOptGraph
import TensorOptImport

/// Helpers shared by the import tests.
enum TestSupport {
  /// The zoo of this repository (found from this file's path, so tests run anywhere).
  static let zoo = ModelZoo(
    directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Models"))

  /// The summary of a zoo model at batch 1 and its default sequence length.
  static func summary(_ name: String) throws -> ModelSummary {
    try ModelSummary(model: zoo.load(name))
  }

  /// The error loading `json` (as a file called `file`) raises, or `nil` when it loads.
  static func loadError(_ json: String, file: String = "model.json") -> ModelLoadError? {
    do {
      _ = try ModelLoader.model(from: Data(json.utf8), file: file)
      return nil
    } catch {
      return error
    }
  }

  /// A small valid model: an MLP with a repeated block, every feature of the format once.
  static let smallModel = """
    {
      "format": "tensoropt-model/1", "name": "small", "family": "vision",
      "training": {"global_batch_size": 8, "dtype": "fp32"},
      "dims": {"hidden": 64, "classes": 10},
      "inputs": [{"name": "x", "shape": ["batch", "hidden"]}],
      "ops": [
        {"name": "loss", "kind": "cross_entropy", "inputs": ["fc2"], "shape": []},
        {"name": "fc1", "kind": "linear", "inputs": ["x"], "shape": ["batch", "hidden"]},
        {"name": "body", "block": "layer", "repeat": 3, "inputs": ["fc1"]},
        {"name": "fc2", "kind": "linear", "inputs": ["body"], "shape": ["batch", "classes"], "bias": false}
      ],
      "blocks": {
        "layer": {
          "input": {"name": "h", "shape": ["batch", "hidden"]},
          "output": "out",
          "ops": [
            {"name": "up", "kind": "linear", "inputs": ["h"], "shape": ["batch", "ffn:128"]},
            {"name": "act", "kind": "relu", "inputs": ["up"], "shape": ["batch", "ffn:128"]},
            {"name": "down", "kind": "linear", "inputs": ["act"], "shape": ["batch", "hidden"]},
            {"name": "out", "kind": "add", "inputs": ["h", "down"], "shape": ["batch", "hidden"]}
          ]
        }
      },
      "outputs": ["loss"]
    }
    """

  /// `smallModel` with `old` replaced by `new` (which must occur).
  static func small(replacing old: String, with new: String) -> String {
    precondition(smallModel.contains(old), "fixture does not contain \(old)")
    return smallModel.replacingOccurrences(of: old, with: new)
  }
}
