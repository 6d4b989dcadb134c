import Foundation
import TensorOptPlan

/// The frontier scatter plot of a plan as inline SVG: memory per device on x,
/// iteration time on y (both logarithmic), one joined, labelled curve per device
/// count, faint non-frontier candidates, and the device memory limit as a line.
///
/// Every frontier point is one `<circle class="frontier-point">`; its label is its
/// `--pick` number within its device count.
struct FrontierChart {
  var plan: PlanFile
  var width = 900.0
  var height = 520.0

  /// Colours of the device-count curves, in order.
  static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]

  private var plotLeft: Double { 80 }
  private var plotRight: Double { width - 30 }
  private var plotTop: Double { 30 }
  private var plotBottom: Double { height - 60 }

  /// The memory limits of the plan's points (one per distinct limit).
  private var limits: [Double] {
    let all = plan.results.flatMap { $0.frontier + $0.infeasible }.map(\.memoryLimitBytes)
    return Array(Set(all)).sorted()
  }

  /// The SVG element.
  var svg: String {
    let entries = plan.results.flatMap { $0.frontier + $0.infeasible }
    let candidates = plan.results.flatMap(\.candidates)
    let xs = entries.map(\.memoryBytes) + candidates.map(\.memoryBytes) + limits
    let ys = entries.map(\.timeS) + candidates.map(\.timeS)
    let x = LogScale(covering: xs.map { $0 / 0x1p30 }, start: plotLeft, end: plotRight)
    let y = LogScale(covering: ys, start: plotBottom, end: plotTop)
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" class="frontier-chart" width="\(Int(width))" \
      height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
      aria-label="time against memory per device">\n
      """
    out += axes(x: x, y: y)
    // Faint candidates first, so that the frontier draws over them.
    for candidate in candidates {
      out += circle(
        x.position(candidate.memoryBytes / 0x1p30), y.position(candidate.timeS), radius: 3,
        class: "candidate", title: candidate.summary)
    }
    for limit in limits {
      let px = ReportFormatting.coordinate(x.position(limit / 0x1p30))
      out += """
        <line class="capacity" x1="\(px)" y1="\(plotTop)" x2="\(px)" y2="\(plotBottom)"/>
        <text class="capacity-label" x="\(px)" y="\(plotTop - 8)" text-anchor="end">\
        memory limit \(ReportFormatting.bytes(limit).htmlEscaped)</text>\n
        """
    }
    var placed: [LabelBox] = []
    for (index, result) in plan.results.enumerated() {
      let colour = Self.palette[index % Self.palette.count]
      for entry in result.infeasible {
        out += circle(
          x.position(entry.memoryBytes / 0x1p30), y.position(entry.timeS), radius: 4,
          class: "infeasible", title: "does not fit: " + entry.strategy.summary, colour: colour)
      }
      let points = result.frontier.map {
        (x.position($0.memoryBytes / 0x1p30), y.position($0.timeS))
      }
      if points.count > 1 {
        let path = points.map {
          "\(ReportFormatting.coordinate($0.0)),\(ReportFormatting.coordinate($0.1))"
        }
        out += """
          <polyline class="frontier-line" stroke="\(colour)" points="\(path.joined(separator: " "))"/>\n
          """
      }
      for (pick, (entry, point)) in zip(result.frontier, points).enumerated() {
        let title =
          "#\(pick + 1) \(result.devices) devices: \(entry.strategy.summary) — "
          + "\(ReportFormatting.seconds(entry.timeS)), \(ReportFormatting.bytes(entry.memoryBytes))"
        out += circle(
          point.0, point.1, radius: 5, class: "frontier-point", title: title, colour: colour)
      }
      // Labels where they do not overlap one already placed (every point keeps its
      // number in its tooltip and in the table).
      for (pick, point) in points.enumerated() {
        let text = "\(pick + 1)"
        let width = Double(text.count) * 7 + 2
        let offsets = [(7.0, -7.0), (-7 - width, -7), (7, 15), (-7 - width, 15)]
        for (dx, dy) in offsets {
          let box = LabelBox(x: point.0 + dx, y: point.1 + dy - 11, width: width, height: 12)
          guard !placed.contains(where: { $0.overlaps(box) }) else { continue }
          placed.append(box)
          out += """
            <text class="point-label" x="\(ReportFormatting.coordinate(point.0 + dx))" \
            y="\(ReportFormatting.coordinate(point.1 + dy))" fill="\(colour)">\(text)</text>\n
            """
          break
        }
      }
    }
    out += legend()
    out += "</svg>\n"
    return out
  }

  private func axes(x: LogScale, y: LogScale) -> String {
    var out = """
      <rect class="plot-area" x="\(plotLeft)" y="\(plotTop)" width="\(plotRight - plotLeft)" \
      height="\(plotBottom - plotTop)"/>\n
      """
    for tick in x.ticks {
      let px = ReportFormatting.coordinate(x.position(tick))
      out += """
        <line class="grid" x1="\(px)" y1="\(plotTop)" x2="\(px)" y2="\(plotBottom)"/>
        <text class="tick" x="\(px)" y="\(plotBottom + 18)" text-anchor="middle">\
        \(ReportFormatting.bytes(tick * 0x1p30))</text>\n
        """
    }
    for tick in y.ticks {
      let py = ReportFormatting.coordinate(y.position(tick))
      out += """
        <line class="grid" x1="\(plotLeft)" y1="\(py)" x2="\(plotRight)" y2="\(py)"/>
        <text class="tick" x="\(plotLeft - 6)" y="\(py)" text-anchor="end" \
        dominant-baseline="middle">\(ReportFormatting.seconds(tick))</text>\n
        """
    }
    out += """
      <text class="axis-title" x="\((plotLeft + plotRight) / 2)" y="\(height - 18)" \
      text-anchor="middle">peak memory per device (log scale)</text>
      <text class="axis-title" x="18" y="\((plotTop + plotBottom) / 2)" text-anchor="middle" \
      transform="rotate(-90 18 \((plotTop + plotBottom) / 2))">time per iteration (log scale)</text>\n
      """
    return out
  }

  private func legend() -> String {
    let rows = plan.results.count + (plan.results.contains { !$0.candidates.isEmpty } ? 1 : 0)
    var out = """
      <rect class="legend-box" x="\(plotRight - 160)" y="\(plotTop + 4)" width="156" \
      height="\(18 * rows + 4)"/>\n
      """
    var y = plotTop + 14
    for (index, result) in plan.results.enumerated() {
      let colour = Self.palette[index % Self.palette.count]
      out += """
        <circle cx="\(plotRight - 150)" cy="\(y)" r="5" fill="\(colour)"/>
        <text class="legend" x="\(plotRight - 140)" y="\(y + 4)">\(result.devices) devices \
        (\(result.frontier.count) on frontier)</text>\n
        """
      y += 18
    }
    if plan.results.contains(where: { !$0.candidates.isEmpty }) {
      out += """
        <circle class="candidate legend-mark" cx="\(plotRight - 150)" cy="\(y)" r="3"/>
        <text class="legend" x="\(plotRight - 140)" y="\(y + 4)">other candidates</text>\n
        """
    }
    return out
  }

  private func circle(
    _ cx: Double, _ cy: Double, radius: Double, class name: String, title: String,
    colour: String? = nil
  ) -> String {
    let fill = colour.map { " fill=\"\($0)\"" } ?? ""
    return """
      <circle class="\(name)" cx="\(ReportFormatting.coordinate(cx))" \
      cy="\(ReportFormatting.coordinate(cy))" r="\(ReportFormatting.coordinate(radius))"\(fill)>\
      <title>\(title.htmlEscaped)</title></circle>\n
      """
  }
}

/// The rectangle a point label occupies, to keep labels apart.
struct LabelBox {
  var x: Double
  var y: Double
  var width: Double
  var height: Double

  func overlaps(_ other: LabelBox) -> Bool {
    x < other.x + other.width && other.x < x + width && y < other.y + other.height
      && other.y < y + height
  }
}
