import Foundation
import TensorOpt

/// Models and clusters the benchmark cases share; a load failure stops the suite
/// with a message (the zoo ships with the repository).
enum BenchmarkModels {
  /// A zoo model by name.
  static func zoo(_ name: String) -> Model {
    do {
      return try ModelLoader.load(name)
    } catch {
      preconditionFailure("benchmark model \(name): \(error)")
    }
  }

  /// GPT-2 small with `layers` transformer layers instead of 12.
  static func gpt2(layers: Int) -> Model {
    guard let directory = ModelZoo.locate()?.directory else {
      preconditionFailure("benchmark: the model zoo (Models/) is not found")
    }
    do {
      let text = try String(
        contentsOf: directory.appendingPathComponent("gpt2.json"), encoding: .utf8)
      let changed = text.replacingOccurrences(of: "\"repeat\": 12", with: "\"repeat\": \(layers)")
      return try ModelLoader.model(from: Data(changed.utf8), file: "gpt2-\(layers)l.json")
    } catch {
      preconditionFailure("benchmark model gpt2 with \(layers) layers: \(error)")
    }
  }

  /// Evaluates one strategy; the cost model's time per call is what the planner
  /// cases measure until the search lands on main.
  static func evaluate(
    _ model: Model, on cluster: Cluster, strategy: ParallelStrategy
  ) -> Evaluation {
    do {
      return try StrategyEvaluator(cluster: cluster).evaluate(
        model: model, globalBatchSize: model.defaults.globalBatchSize,
        sequenceLength: model.defaults.sequenceLength, strategy: strategy)
    } catch {
      preconditionFailure("benchmark strategy for \(model.name): \(error)")
    }
  }
}
