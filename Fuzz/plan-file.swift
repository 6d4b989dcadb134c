import Foundation
import TensorOptPlan
import TensorOptReport

/// Fuzz target `plan-file`: any file handed to `explain`, `export`, `report` or
/// `validate --plan`.
///
/// Decodes the input with `PlanFile.decode(_:)` (what `PlanFile.load` does after
/// reading the file), checks that an accepted plan survives being written and
/// read back, then does with it what the commands do: chooses a frontier point
/// (`--pick`, `--devices`), explains it, renders the HTML report and exports it
/// to every framework (costing the nearest expressible strategy, which loads the
/// plan's model and evaluates it on the plan's cluster).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlanFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  FuzzHarness.run(data, size, expecting: PlanFileError.self) { input in
    let plan = try PlanFile.decode(input)
    PlanFuzzing.checkRoundTrip(plan)
    PlanFuzzing.use(plan)
  }
}

/// Mutates inputs as JSON documents (see ``JSONMutator``).
@_cdecl("LLVMFuzzerCustomMutator")
public func mutatePlanFile(
  _ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32
) -> Int {
  JSONMutator.mutate(data, size, maxSize, seed, vocabulary: planFileVocabulary)
}

/// What the target does with an accepted plan.
enum PlanFuzzing {
  /// Frontier points per result that are explained and exported (the first few).
  static let pointsPerResult = 3

  /// Writing the plan out and reading it back must give the same plan.
  static func checkRoundTrip(_ plan: PlanFile) {
    do {
      let again = try PlanFile.decode(plan.encoded())
      if again != plan { fatalError("an accepted plan changes when written and read back") }
    } catch {
      fatalError("an accepted plan does not survive being written and read: \(error)")
    }
  }

  /// `report`, `explain` and `export` on the default point and on the first
  /// points of every result; a `ReportError` (no such result or point) is the
  /// CLI's one-line error for that choice.
  static func use(_ plan: PlanFile) {
    attempt { _ = try HTMLReport.render(plan) }
    attempt { use(plan, entry: try plan.entry(pick: 1)) }
    for result in plan.results {
      for pick in 1...max(min(result.frontier.count, pointsPerResult), 1) {
        attempt { use(plan, entry: try plan.entry(pick: pick, devices: result.devices)) }
      }
    }
  }

  /// Runs `body`; a `ReportError` must be one line, any other error is a bug.
  static func attempt(_ body: () throws -> Void) {
    do {
      try body()
    } catch let error as ReportError {
      checkLine(error.description)
    } catch {
      fatalError("not a ReportError (the CLI would not exit 2): \(type(of: error)): \(error)")
    }
  }

  /// `explain` and `export` (every framework, as text and JSON) of one point.
  static func use(_ plan: PlanFile, entry: PlanEntry) {
    _ = PlanExplanation(plan: plan, entry: entry).text
    for target in ExportTarget.allCases {
      let export = TrainingExporter.export(plan, entry: entry, to: target)
      do {
        _ = try JSONEncoder().encode(export)
      } catch {
        fatalError("the export of an accepted plan cannot be encoded as JSON: \(error)")
      }
    }
  }

  /// An error line must be one non-empty line.
  static func checkLine(_ line: String) {
    if line.isEmpty || line.contains(where: \.isNewline) {
      fatalError("an error that is not one non-empty line: \(line.debugDescription)")
    }
  }
}

/// Keys and values of the plan format, for the mutator to insert.
let planFileVocabulary = [
  "format", "tensoropt-plan/1", "model", "cluster", "settings", "results", "name", "source",
  "family", "language", "vision", "batch", "seq", "dtype", "fp32", "bf16", "fp16", "optimizer",
  "adam", "sgd", "pads_vocabulary", "layers", "preset", "file", "devices_per_node", "defaulted",
  "description", "devices", "search", "ft", "exhaustive", "epsilon", "memory_limit_bytes",
  "max_tp", "max_pp", "top", "frontier", "infeasible", "candidates", "statistics", "time_s",
  "memory_bytes", "fits", "throughput", "breakdown", "strategy", "dp", "tp", "pp", "microbatch",
  "micro_batches", "schedule", "gpipe", "1f1b", "interleave", "recompute", "none", "selective",
  "full", "zero", "sequence_parallel", "stage_mesh", "data_axis", "operator_mesh",
  "uniform_layout", "deviations", "stages", "stage", "first_device", "operators", "tensors",
  "blocks", "repetitions", "boundaries", "count", "value", "summary", "batch,out", "rep",
  "S0,R", "mlp", "gpt2", "gpt-mini", "h100-80g", "a100-80g", "cpu", "megatron", "deepspeed",
  "torchtitan",
]
