import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptPlan
@testable import TensorOptReport

/// Writes the sample plans and reports used for screenshots and by the CLI and
/// Python tests (`Tests/Fixtures/*.plan.json`), when `TENSOROPT_SAMPLE_DIR` is set:
///
///     TENSOROPT_SAMPLE_DIR=/tmp/samples swift test --filter SamplePlanWriter
@Suite(
  "Sample plans", .enabled(if: ProcessInfo.processInfo.environment["TENSOROPT_SAMPLE_DIR"] != nil))
struct SamplePlanWriter {
  static var directory: String {
    ProcessInfo.processInfo.environment["TENSOROPT_SAMPLE_DIR"] ?? "/tmp"
  }

  /// gpt2 (global batch 512, sequence 1024) over every uniform strategy on each device count.
  static func gpt2(devices: [Int]) throws -> PlanFile {
    var strategies: [Int: [ParallelStrategy]] = [:]
    for count in devices {
      strategies[count] = UniformPlanFixture.space(devices: count, batch: 512, layers: 12)
    }
    return try UniformPlanFixture.plan(
      source: "gpt2", preset: .a100With80GB, batch: 512, seq: 1024, strategies: strategies)
  }

  @Test func writeGPT2OnEightA100s() throws {
    let plan = try Self.gpt2(devices: [8])
    try plan.write(to: "\(Self.directory)/gpt2-a100-80g-8.plan.json")
    try HTMLReport.write(
      try HTMLReport.render(plan, pick: 19), to: "\(Self.directory)/gpt2-a100-80g-8.html")
  }

  @Test func writeGPT2OnARangeOfDeviceCounts() throws {
    let plan = try Self.gpt2(devices: [4, 8, 16])
    try plan.write(to: "\(Self.directory)/gpt2-a100-80g-range.plan.json")
    try HTMLReport.write(
      try HTMLReport.render(plan, pick: 1, devices: 16),
      to: "\(Self.directory)/gpt2-a100-80g-range.html")
  }
}
