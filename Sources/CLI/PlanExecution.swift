import TensorOpt

/// Converts a plan file's strategy into the executor's.
enum PlanExecution {
  /// The executor strategy that runs `strategy` on `graph` (one micro-batch of
  /// every data-parallel replica).
  ///
  /// A uniform-layout strategy becomes ``ExecutionStrategy/megatron(_:dataParallel:tensorParallel:stageCount:sequenceParallel:)``;
  /// any other takes the plan's stage mesh and per-operator configurations
  /// (per repetition where they change between repetitions or stages). Pipeline
  /// stages start at the layers the plan gives them.
  ///
  /// - Throws: ``PlanEntryRefusal`` when the executor cannot express the strategy.
  static func strategy(_ strategy: PlanStrategy, graph: Graph) throws -> ExecutionStrategy {
    var execution: ExecutionStrategy
    if strategy.uniformLayout {
      execution = ExecutionStrategy.megatron(
        graph, dataParallel: strategy.dp, tensorParallel: strategy.tp, stageCount: strategy.pp,
        sequenceParallel: strategy.sequenceParallel)
    } else {
      execution = ExecutionStrategy(
        mesh: DeviceMesh(strategy.stageMesh), configurations: try configurations(of: strategy),
        stageCount: strategy.pp)
      let program = FlatProgram(graph)
      if let missing = program.steps.first(where: {
        execution.configurations[$0.configurationKey] == nil
          && execution.configurations[$0.name] == nil
      }) {
        throw PlanEntryRefusal(
          "the plan has no configuration for operator \(missing.configurationKey)")
      }
    }
    execution.chunksPerStage = strategy.interleave
    execution.stageStarts = stageStarts(of: strategy, program: FlatProgram(graph))
    return execution
  }

  /// Every operator's configuration, by the executor's configuration key: one
  /// per operator (`block/op`) when it is the same in every repetition and
  /// stage, otherwise one per repetition under the step's name (`block[r]/op`).
  private static func configurations(of strategy: PlanStrategy) throws -> [String: OpConfiguration]
  {
    var texts: [String: String] = [:]
    var perRepetition: [String: [Int: String]] = [:]
    for stage in strategy.stages {
      for (name, text) in stage.operators { texts[name] = text }
      for (block, choices) in stage.blocks {
        let repetitions = choices.repetitions.flatMap { range in
          Array((range.first ?? 0)..<max(range.last ?? 0, range.first ?? 0))
        }
        for (op, runs) in choices.operators {
          let values = runs.flatMap { Array(repeating: $0.value, count: $0.count) }
          for (repetition, text) in zip(repetitions, values) {
            perRepetition["\(block)/\(op)", default: [:]][repetition] = text
          }
        }
      }
    }
    for (key, values) in perRepetition {
      if Set(values.values).count == 1, let text = values.values.first {
        texts[key] = text
        continue
      }
      let (block, op) = (key.prefix { $0 != "/" }, key.drop { $0 != "/" }.dropFirst())
      for (repetition, text) in values { texts["\(block)[\(repetition)]/\(op)"] = text }
    }
    return texts.mapValues { OpConfiguration(parsing: $0) }
  }

  /// The first step of every virtual stage after the first, from the layers the
  /// plan gives each stage's chunks; `nil` (the executor balances forward FLOPs)
  /// when the plan's layers cannot be found in the program.
  private static func stageStarts(of strategy: PlanStrategy, program: FlatProgram) -> [Int]? {
    let virtualStages = strategy.pp * strategy.interleave
    guard virtualStages > 1, strategy.stages.count == strategy.pp else { return nil }
    var starts: [Int] = []
    for virtualStage in 1..<virtualStages {
      let stage = strategy.stages[virtualStage % strategy.pp]
      let chunk = virtualStage / strategy.pp
      guard chunk < stage.layers.count, let layer = stage.layers[chunk].first,
        let step = program.steps.firstIndex(where: { $0.segment == layer })
      else { return nil }
      starts.append(step)
    }
    return starts
  }
}
