import Foundation
import TensorOptPlan

/// The self-contained HTML report of a plan: the frontier scatter plot, the
/// frontier table, time and memory breakdowns per point, and the device layout
/// of a chosen point. Inline SVG and CSS only: no script, no network.
public enum HTMLReport {
  /// The report of `plan` as one HTML document.
  ///
  /// - Parameters:
  ///   - plan: the plan file.
  ///   - pick: the frontier point (1-based) whose layout is drawn.
  ///   - devices: the device count whose breakdowns and table are shown; the
  ///     largest when `nil`. The scatter plot always shows every device count.
  /// - Throws: ``ReportError`` when `devices` or `pick` names nothing in the plan.
  public static func render(_ plan: PlanFile, pick: Int = 1, devices: Int? = nil)
    throws(ReportError) -> String
  {
    let result = try plan.result(devices: devices)
    let chosen = result.frontier.isEmpty ? nil : try plan.entry(pick: pick, devices: result.devices)
    let title = "TensorOpt plan: \(plan.model.name) on \(plan.cluster.name)"
    var body = "<h1>\(title.htmlEscaped)</h1>\n"
    body += "<p class=\"summary\">\(summary(plan).htmlEscaped)</p>\n"
    body += "<h2>Frontier</h2>\n"
    body += FrontierChart(plan: plan).svg
    body += "<h2>Frontier strategies on \(result.devices) devices</h2>\n"
    body += table(result)
    if !result.frontier.isEmpty {
      body += "<h2 id=\"breakdown\">Where the time and memory go</h2>\n"
      body += BreakdownChart(result: result).svg
    }
    if let chosen {
      body += "<h2 id=\"layout\">Layout of #\(pick): \(chosen.strategy.summary.htmlEscaped)</h2>\n"
      body +=
        LayoutDiagram(strategy: chosen.strategy, devicesPerNode: plan.cluster.devicesPerNode)
        .svg
      body +=
        "<pre class=\"explain\">\(PlanExplanation(plan: plan, entry: chosen).text.htmlEscaped)</pre>\n"
    } else {
      body += "<p>No strategy fits in memory on \(result.devices) devices.</p>\n"
    }
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <title>\(title.htmlEscaped)</title>
      <style>
      \(stylesheet)
      </style>
      </head>
      <body>
      \(body)</body>
      </html>\n
      """
  }

  /// Writes `html` to `path` through a temporary file in the same directory and
  /// a rename, replacing `path` if it exists (naming it is consent).
  ///
  /// - Throws: ``ReportError`` when the file cannot be written.
  public static func write(_ html: String, to path: String) throws(ReportError) {
    try AtomicFile.write(Data(html.utf8), to: path)
  }

  private static func summary(_ plan: PlanFile) -> String {
    let m = plan.model
    var parts = ["model \(m.name) (\(m.layers) layers)", "global batch \(m.batch)"]
    if let seq = m.seq { parts.append("sequence \(seq)") }
    parts += [m.dtype.rawValue, m.optimizer.rawValue, "cluster \(plan.cluster.name)"]
    parts.append("\(plan.cluster.devicesPerNode) devices per node")
    parts.append("search \(plan.settings.search)")
    return parts.joined(separator: " · ")
  }

  private static func table(_ result: PlanResult) -> String {
    var out = """
      <table class="frontier">
      <thead><tr><th>#</th><th>strategy</th><th>time / iteration</th><th>memory / device</th>\
      <th>samples/s</th><th>MFU</th><th>dp</th><th>tp</th><th>pp</th><th>micro-batch</th>\
      <th>schedule</th><th>recompute</th><th>ZeRO</th></tr></thead>
      <tbody>\n
      """
    for (index, entry) in result.frontier.enumerated() {
      let s = entry.strategy
      let cells = [
        "\(index + 1)", s.summary, ReportFormatting.seconds(entry.timeS),
        ReportFormatting.bytes(entry.memoryBytes),
        String(format: "%.1f", entry.throughput.samplesPerS),
        ReportFormatting.percent(entry.throughput.mfu), "\(s.dp)", "\(s.tp)", "\(s.pp)",
        "\(s.microbatch) × \(s.microBatches)",
        s.interleave > 1 ? "\(s.schedule.rawValue) v\(s.interleave)" : s.schedule.rawValue,
        s.recompute.rawValue, "\(s.zero)",
      ]
      out += "<tr>" + cells.map { "<td>\($0.htmlEscaped)</td>" }.joined() + "</tr>\n"
    }
    out += "</tbody></table>\n"
    return out
  }

  private static let stylesheet = """
    body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
    h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
    .summary { color: #555; }
    svg { display: block; margin: 8px 0; font-size: 12px; }
    .plot-area { fill: #fcfcfc; stroke: #999; }
    .grid { stroke: #e5e5e5; }
    .tick, .legend, .bar-total, .stage-layers { fill: #444; font-size: 11px; }
    .axis-title { fill: #222; font-size: 13px; }
    .candidate { fill: #bbb; fill-opacity: 0.45; }
    .legend-box { fill: #fff; fill-opacity: 0.85; stroke: #ddd; }
    .infeasible { fill-opacity: 0.25; }
    .frontier-line { fill: none; stroke-width: 2; }
    .frontier-point { stroke: #fff; stroke-width: 1.5; }
    .point-label { font-size: 12px; font-weight: bold; }
    .capacity { stroke: #d62728; stroke-width: 1.5; stroke-dasharray: 6 4; }
    .capacity-label { fill: #d62728; font-size: 11px; }
    .row-label { font-size: 12px; fill: #222; }
    .stage { fill: #fff; stroke: #666; }
    .stage-label { font-weight: bold; fill: #222; }
    .device { stroke: #666; stroke-width: 0.8; }
    .device-label { font-size: 11px; fill: #222; }
    table.frontier { border-collapse: collapse; font-size: 13px; }
    table.frontier th, table.frontier td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
    table.frontier td:nth-child(2) { text-align: left; font-family: monospace; }
    pre.explain { background: #f6f6f6; padding: 10px; font-size: 12px; white-space: pre-wrap; }
    """
}
