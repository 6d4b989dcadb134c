import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt validate --plan FILE`: run frontier entries of a plan file on the executor.
extension ValidateCommand {
  /// One frontier entry chosen for validation, numbered as `plan` and `report` number it.
  struct ChosenEntry {
    /// The 1-based frontier position.
    var pick: Int
    /// The plan's entry.
    var entry: PlanEntry
  }

  /// Runs the chosen entries of the plan file at `path` and prints their runs.
  func runPlan(_ path: String) throws {
    let plan = try PlanFileSupport.load(path)
    let candidates = try chosenEntries(of: plan, path: path)
    let model = try reportingUserErrors { try ModelLoader.load(plan.model.source) }
    if plan.cluster.preset != "cpu" {
      note(
        "\(path): the predictions are for \(plan.cluster.name), not this machine "
          + "(plan with --gpu cpu to compare them)")
    }
    if plan.model.dtype != .fp32 {
      note(
        "\(path): the plan is for \(plan.model.dtype.rawValue); the executor runs fp32, "
          + "so the predicted time and memory do not describe the same run")
    }
    var runs: [ValidationRun] = []
    for candidate in candidates {
      do {
        runs.append(try execute(candidate, of: plan, model: model))
      } catch let refusal as PlanEntryRefusal {
        // One entry cannot run: with --all, say so and go on with the others.
        let message =
          "frontier point \(candidate.pick) (\(candidate.entry.strategy.summary)): \(refusal.message)"
        guard all else { throw failure("\(path): \(message)") }
        note("\(path): skipped \(message)")
      }
    }
    guard !runs.isEmpty else { throw failure("\(path): no frontier point could be validated") }
    try emit(runs)
  }

  /// The entries `--pick` or `--all` choose, with `--devices` choosing the result.
  private func chosenEntries(of plan: PlanFile, path: String) throws -> [ChosenEntry] {
    guard all else {
      let entry = try PlanFileSupport.entry(plan, path: path, pick: pick, devices: devices)
      return [ChosenEntry(pick: pick, entry: entry)]
    }
    let result: PlanResult
    do {
      result = try plan.result(devices: devices)
    } catch {
      throw failure("\(path): \(error.message)")
    }
    guard !result.frontier.isEmpty else {
      throw failure("\(path): the plan has no strategy that fits on \(result.devices) devices")
    }
    return result.frontier.enumerated().map { ChosenEntry(pick: $0.offset + 1, entry: $0.element) }
  }

  /// Runs one entry; throws ``PlanEntryRefusal`` when the executor cannot run it.
  private func execute(_ candidate: ChosenEntry, of plan: PlanFile, model: Model) throws
    -> ValidationRun
  {
    let s = candidate.entry.strategy
    guard s.zero == 0 || plan.model.optimizer == .adam else {
      throw PlanEntryRefusal("the executor shards Adam's state only (ZeRO with sgd)")
    }
    var options = ExecutionOptions()
    options.microBatches = s.microBatches
    options.schedule = s.schedule
    options.recomputation = s.recompute
    options.timeout = timeout
    options.zeroStage = s.zero
    if plan.model.optimizer == .adam {
      options.adam = AdamConfiguration()
    } else {
      options.sgd = SGDConfiguration()
    }
    let microBatchSize = s.microbatch * s.dp
    do {
      // The executor's graph holds one micro-batch of every data-parallel replica.
      let graph = try reportingUserErrors {
        try model.graph(batchSize: microBatchSize, sequenceLength: plan.model.seq)
      }
      let execution = try PlanExecution.strategy(s, graph: graph)
      return try Validator.validate(
        model, microBatchSize: microBatchSize, sequenceLength: plan.model.seq,
        strategy: execution, options: options, repetitions: steps,
        predictedTime: candidate.entry.timeS, predictedMemory: candidate.entry.memoryBytes,
        predictedCompute: candidate.entry.breakdown.time.computeS,
        label: "#\(candidate.pick) \(s.summary)")
    } catch let error as ExecutorError {
      throw PlanEntryRefusal(error.description)
    }
  }

  /// Prints `runs` as the table or as JSON, and exits 1 when any gradients differ.
  func emit(_ runs: [ValidationRun]) throws {
    switch format {
    case .json:
      struct Report: Encodable { var runs: [ValidationRun] }
      print(try jsonText(Report(runs: runs)), terminator: "")
    case .table:
      print(Self.table(runs), terminator: "")
    }
    if runs.contains(where: { !$0.gradientsMatch }) { throw ExitCode(1) }
  }

  /// Writes one `tensoropt: note:` line on stderr.
  private func note(_ message: String) {
    FileHandle.standardError.write(Data("tensoropt: note: \(message)\n".utf8))
  }
}

/// Why the executor cannot run one plan entry.
struct PlanEntryRefusal: Error {
  /// What the user reads after the entry's name.
  var message: String

  init(_ message: String) { self.message = message }
}
