import Foundation
import TensorOptPlan
import TensorOptReport

/// What the `plan-file` fuzz target (`Fuzz/plan-file.swift`) does with an
/// accepted plan, for the in-process replay: the HTML report, then `explain`
/// and `export` (every framework, nearest strategies costed) of the default
/// frontier point and of the first points of every result.
enum PlanReplay {
  /// Frontier points per result that are explained and exported.
  static let pointsPerResult = 3

  /// Throws the `ReportError` of the first choice that names nothing.
  static func use(_ plan: PlanFile) throws {
    _ = try HTMLReport.render(plan)
    try use(plan, entry: plan.entry(pick: 1))
    for result in plan.results where !result.frontier.isEmpty {
      for pick in 1...min(result.frontier.count, pointsPerResult) {
        try use(plan, entry: plan.entry(pick: pick, devices: result.devices))
      }
    }
  }

  /// `explain` and `export` of one point; the export must encode as JSON.
  static func use(_ plan: PlanFile, entry: PlanEntry) throws {
    _ = PlanExplanation(plan: plan, entry: entry).text
    for target in ExportTarget.allCases {
      _ = try JSONEncoder().encode(TrainingExporter.export(plan, entry: entry, to: target))
    }
  }
}
