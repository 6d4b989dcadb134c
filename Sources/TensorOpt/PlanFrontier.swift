import TensorOptPlan
import TensorOptReport

/// The frontier of one device count of a plan, with the queries a training
/// script asks: the fastest strategy within a memory budget, the smallest
/// within a time budget, and its explanation or export.
///
/// Points are ordered by increasing time (so decreasing memory); point `k`
/// (1-based) is `--pick k` of the command-line tools.
public struct PlanFrontier: Sendable {
  /// The plan the frontier comes from.
  public let plan: PlanFile
  /// The result this frontier is part of.
  public let result: PlanResult

  /// The frontier of `plan` on `devices` devices (the largest count when `nil`).
  ///
  /// - Throws: ``ReportError`` when the plan has no result for `devices`.
  public init(_ plan: PlanFile, devices: Int? = nil) throws(ReportError) {
    self.plan = plan
    self.result = try plan.result(devices: devices)
  }

  /// Devices every point uses.
  public var devices: Int { result.devices }

  /// The strategies that fit, by increasing time.
  public var points: [PlanEntry] { result.frontier }

  /// The fastest strategy.
  public var fastest: PlanEntry? { points.first }

  /// The strategy using the least memory per device.
  public var smallestMemory: PlanEntry? { points.last }

  /// The fastest strategy whose peak memory per device is at most `bytes`.
  public func fastest(withinMemory bytes: Double) -> PlanEntry? {
    points.first { $0.memoryBytes <= bytes }
  }

  /// The strategy with the least memory per device whose iteration takes at most `seconds`.
  public func smallestMemory(withinTime seconds: Double) -> PlanEntry? {
    points.last { $0.timeS <= seconds }
  }

  /// The 1-based number of `entry` on this frontier (`--pick`), or `nil`.
  public func pick(of entry: PlanEntry) -> Int? {
    points.firstIndex(of: entry).map { $0 + 1 }
  }

  /// `entry` in words: stages, operator splits, collectives, time and memory.
  public func explanation(of entry: PlanEntry) -> String {
    PlanExplanation(plan: plan, entry: entry).text
  }

  /// `entry` as a configuration of `target`, with the nearest expressible plan
  /// and its cost when the framework cannot express `entry` exactly.
  public func export(_ entry: PlanEntry, to target: ExportTarget) -> TrainingExport {
    TrainingExporter.export(plan, entry: entry, to: target)
  }

  /// The HTML report of the whole plan, detailing this device count and
  /// drawing the layout of point `pick`.
  ///
  /// - Throws: ``ReportError`` when `pick` is not a point of the frontier.
  public func report(pick: Int = 1) throws(ReportError) -> String {
    try HTMLReport.render(plan, pick: pick, devices: devices)
  }
}
