import TensorOpt

/// Converts a plan file's strategy into the executor's.
enum PlanExecution {
  /// The executor strategy that runs `strategy` on `graph` (one micro-batch of
  /// every data-parallel replica).
  ///
  /// A uniform-layout strategy becomes ``ExecutionStrategy/megatron(_:dataParallel:tensorParallel:stageCount:sequenceParallel:)``;
  /// any other takes the plan's stage mesh and per-operator configurations. The
  /// executor keeps one configuration per operator (`block/op` for block bodies,
  /// shared by every repetition and stage), so a plan whose configuration of an
  /// operator changes between repetitions or stages is refused. Pipeline stages
  /// start at the layers the plan gives them.
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
      }) {
        throw PlanEntryRefusal(
          "the plan has no configuration for operator \(missing.configurationKey)")
      }
    }
    execution.chunksPerStage = strategy.interleave
    execution.stageStarts = stageStarts(of: strategy, program: FlatProgram(graph))
    return execution
  }

  /// Every operator's one configuration, by the executor's configuration key.
  private static func configurations(of strategy: PlanStrategy) throws -> [String: OpConfiguration]
  {
    var texts: [String: String] = [:]
    func record(_ key: String, _ text: String) throws {
      if let known = texts[key], known != text {
        throw PlanEntryRefusal(
          "operator \(key) changes configuration ([\(known)] and [\(text)]) between layers or "
            + "stages; the executor gives an operator one configuration")
      }
      texts[key] = text
    }
    for stage in strategy.stages {
      for (name, text) in stage.operators { try record(name, text) }
      for (block, choices) in stage.blocks {
        for (op, runs) in choices.operators {
          for run in runs { try record("\(block)/\(op)", run.value) }
        }
      }
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
