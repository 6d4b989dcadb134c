import TensorOptCost
import TensorOptImport
import TensorOptPlan

/// Writes frontier strategies as training-framework configurations.
public enum TrainingExporter {
  /// The configuration of `entry` (a point of `plan`) for `target`.
  ///
  /// When the framework cannot express the strategy exactly, the configuration
  /// describes the nearest uniform strategy it can, listed in
  /// ``TrainingExport/limitations``; with `costing` that strategy is costed
  /// with `StrategyEvaluator` (loading the plan's model from its source).
  public static func export(
    _ plan: PlanFile, entry: PlanEntry, to target: ExportTarget, costing: Bool = true
  ) -> TrainingExport {
    var s = ExportedStrategy(plan: plan, entry: entry, target: target)
    let header: String
    let text: String
    switch target {
    case .megatron:
      MegatronExport.adapt(&s)
      header = "# Megatron-LM arguments for \(plan.model.name): \(s.summary)\n"
      text = MegatronExport.render(s, header: header.commentSafe)
    case .deepspeed:
      DeepSpeedExport.adapt(&s)
      text = DeepSpeedExport.render(s)
    case .torchtitan:
      TorchtitanExport.adapt(&s)
      header = "# torchtitan settings for \(plan.model.name): \(s.summary)\n"
      text = TorchtitanExport.render(s, header: header.commentSafe)
    }
    var nearest: NearestStrategy?
    if !s.limitations.isEmpty {
      nearest = NearestStrategy(strategy: s.parallelStrategy, summary: s.summary)
      if costing { nearest = cost(nearest!, plan: plan) }
    }
    return TrainingExport(
      target: target, text: text, limitations: s.limitations, notes: s.notes, nearest: nearest)
  }

  /// `nearest` with its predicted time and memory on the plan's cluster.
  static func cost(_ nearest: NearestStrategy, plan: PlanFile) -> NearestStrategy {
    var result = nearest
    let devices = nearest.strategy.deviceCount
    do {
      let model = try ModelLoader.load(plan.model.source)
      let cluster = try plan.cluster.cluster(devices: devices)
      let evaluation = try StrategyEvaluator(cluster: cluster).evaluate(
        model: model, globalBatchSize: plan.model.batch, sequenceLength: plan.model.seq,
        strategy: nearest.strategy)
      result.timeS = evaluation.timeS
      result.memoryBytes = evaluation.memoryBytes
      result.fits =
        evaluation.memoryBytes <= (plan.settings.memoryLimitBytes ?? evaluation.memoryCapacityBytes)
    } catch {
      result.problem = "cannot cost it: \(error)"
    }
    return result
  }
}

extension String {
  /// The text with line breaks replaced, safe inside a `#` comment line.
  fileprivate var commentSafe: String {
    String(dropLast().map { $0.isNewline ? " " : $0 }) + "\n"
  }
}
