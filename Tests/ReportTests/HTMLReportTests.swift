import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptPlan
@testable import TensorOptReport

@Suite("HTML report")
struct HTMLReportTests {
  /// gpt2 on 1 and 8 a100-80g devices, a small slice of the uniform space.
  static let twoDeviceCounts: PlanFile = {
    let strategies = [1, 8].reduce(into: [Int: [ParallelStrategy]]()) { table, devices in
      table[devices] = UniformPlanFixture.space(devices: devices, batch: 64, layers: 12)
        .filter { $0.microBatchSize <= 2 && $0.zeroStage != 1 }
    }
    return try! UniformPlanFixture.plan(
      source: "gpt2", preset: .a100With80GB, batch: 64, seq: 1024, strategies: strategies)
  }()

  @Test func everySVGIsWellFormedXML() throws {
    let html = try HTMLReport.render(Self.twoDeviceCounts)
    let fragments = SVGInspector.fragments(of: html)
    #expect(fragments.count == 3)
    for fragment in fragments {
      #expect(SVGInspector.inspect(fragment) != nil, "not well-formed: \(fragment.prefix(200))")
    }
  }

  @Test func chartHoldsOneMarkerPerFrontierPointOfEveryDeviceCount() throws {
    let plan = Self.twoDeviceCounts
    let chart = try #require(SVGInspector.fragments(of: HTMLReport.render(plan)).first)
    let counts = try #require(SVGInspector.inspect(chart)).counts
    let frontier = plan.results.map(\.frontier.count).reduce(0, +)
    #expect(frontier > 2)
    #expect(counts["circle.frontier-point"] == frontier)
    #expect(counts["polyline.frontier-line"] == plan.results.filter { $0.frontier.count > 1 }.count)
    #expect(counts["circle.candidate"] == plan.results.map(\.candidates.count).reduce(0, +))
    #expect(counts["line.capacity"] == 1)
  }

  @Test func breakdownsHaveOneRowPerFrontierPoint() throws {
    let plan = Self.twoDeviceCounts
    let result = try plan.result()
    let breakdown = try #require(SVGInspector.fragments(of: HTMLReport.render(plan))[safe: 1])
    let texts = try #require(SVGInspector.inspect(breakdown)).texts
    #expect(texts.filter { $0.hasPrefix("#") }.count == result.frontier.count)
  }

  @Test func layoutDrawsEveryDeviceOfThePickedPoint() throws {
    let plan = try UniformPlanFixture.gptMiniUniform()
    let layout = try #require(SVGInspector.fragments(of: HTMLReport.render(plan, pick: 1)).last)
    let counts = try #require(SVGInspector.inspect(layout)).counts
    #expect(counts["rect.device"] == 8)
    #expect(counts["rect.stage"] == 2)
  }

  @Test func namesFromTheInputAreEscaped() throws {
    var plan = try UniformPlanFixture.gptMiniUniform()
    plan.model.name = "<script>alert('x')</script>&"
    plan.cluster.name = "\"quoted\" <b>"
    let html = try HTMLReport.render(plan)
    #expect(!html.contains("<script"))
    #expect(!html.contains("<b>"))
    #expect(html.contains("&lt;script&gt;"))
    for fragment in SVGInspector.fragments(of: html) {
      #expect(SVGInspector.inspect(fragment) != nil)
    }
  }

  @Test func reportHasNoScriptAndNoNetworkReference() throws {
    let html = try HTMLReport.render(Self.twoDeviceCounts)
    #expect(!html.contains("<script"))
    #expect(!html.contains("src="))
    #expect(!html.contains("href="))
    #expect(!html.contains("https://"))
  }

  @Test func pickOutsideTheFrontierIsAnError() throws {
    let plan = try UniformPlanFixture.gptMiniUniform()
    #expect(throws: ReportError.self) { try HTMLReport.render(plan, pick: 2) }
    #expect(throws: ReportError.self) { try HTMLReport.render(plan, devices: 16) }
  }

  @Test func writingReplacesTheFileThroughATemporaryFile() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("report.html").path
    try Data("old".utf8).write(to: URL(fileURLWithPath: path))
    try HTMLReport.write("<html></html>\n", to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "<html></html>\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.html"])
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
