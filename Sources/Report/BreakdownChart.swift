import TensorOptPlan

/// Per frontier point, a stacked bar of its time breakdown and one of its memory
/// breakdown, as inline SVG (bars scaled to the largest point of the result).
struct BreakdownChart {
  var result: PlanResult
  var width = 900.0

  /// Colours of the time parts, in ``PlanEntry/timeParts`` order.
  static let timeColours = [
    "#4e79a7", "#a0cbe8", "#f28e2b", "#e15759", "#ff9d9a", "#59a14f", "#bab0ac", "#b07aa1",
    "#76b7b2",
  ]
  /// Colours of the memory parts, in ``PlanEntry/memoryParts`` order.
  static let memoryColours = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#bab0ac"]

  private let rowHeight = 36.0
  private let labelWidth = 20.0

  /// The SVG element.
  var svg: String {
    let points = result.frontier
    let barWidth = (width - labelWidth - 150) / 2
    let timeNames = points.first?.timeParts.map(\.name) ?? []
    let memoryNames = points.first?.memoryParts.map(\.name) ?? []
    let legendHeight =
      16
      * Double(
        max(legendRows(timeNames, width: barWidth), legendRows(memoryNames, width: barWidth)))
      + 8
    let height = 30 + legendHeight + Double(points.count) * rowHeight
    let maxTime = points.map(\.timeS).max() ?? 1
    let maxMemory = points.map(\.memoryBytes).max() ?? 1
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" class="breakdown-chart" width="\(Int(width))" \
      height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
      aria-label="time and memory breakdown per frontier point">
      <text class="axis-title" x="\(labelWidth)" y="16">time per iteration</text>
      <text class="axis-title" x="\(labelWidth + barWidth + 75)" y="16">peak memory per device</text>\n
      """
    out += legend(
      names: timeNames, colours: Self.timeColours, x: labelWidth,
      y: 30, width: barWidth)
    out += legend(
      names: memoryNames, colours: Self.memoryColours,
      x: labelWidth + barWidth + 75, y: 30, width: barWidth)
    for (index, entry) in points.enumerated() {
      let y = 30 + legendHeight + Double(index) * rowHeight
      out += """
        <text class="row-label" x="4" y="\(y + 11)">#\(index + 1) \
        \(entry.strategy.summary.htmlEscaped)</text>\n
        """
      let timeWidth = barWidth * entry.timeS / maxTime
      out += bar(
        entry.timeParts, colours: Self.timeColours, x: labelWidth, y: y + 15,
        width: timeWidth, format: ReportFormatting.seconds)
      out += """
        <text class="bar-total" x="\(ReportFormatting.coordinate(labelWidth + timeWidth + 5))" \
        y="\(y + 27)">\(ReportFormatting.seconds(entry.timeS))</text>\n
        """
      let memoryLeft = labelWidth + barWidth + 75
      let memoryWidth = barWidth * entry.memoryBytes / maxMemory
      out += bar(
        entry.memoryParts, colours: Self.memoryColours, x: memoryLeft, y: y + 15,
        width: memoryWidth, format: ReportFormatting.bytes)
      out += """
        <text class="bar-total" x="\(ReportFormatting.coordinate(memoryLeft + memoryWidth + 5))" \
        y="\(y + 27)">\(ReportFormatting.bytes(entry.memoryBytes))</text>\n
        """
    }
    out += "</svg>\n"
    return out
  }

  private func bar(
    _ parts: [PlanEntry.Part], colours: [String], x: Double, y: Double, width: Double,
    format: (Double) -> String
  ) -> String {
    let total = parts.reduce(0) { $0 + max($1.value, 0) }
    guard total > 0 else { return "" }
    var out = ""
    var left = x
    for (index, part) in parts.enumerated() where part.value > 0 {
      let w = width * part.value / total
      out += """
        <rect class="segment" x="\(ReportFormatting.coordinate(left))" y="\(y)" \
        width="\(ReportFormatting.coordinate(w))" height="16" fill="\(colours[index % colours.count])">\
        <title>\(part.name): \(format(part.value).htmlEscaped) \
        (\(ReportFormatting.percent(part.value / total)))</title></rect>\n
        """
      left += w
    }
    return out
  }

  /// The rows ``legend(names:colours:x:y:width:)`` needs for `names`.
  private func legendRows(_ names: [String], width: Double) -> Int {
    var rows = 1
    var left = 0.0
    for name in names {
      let advance = Double(name.count) * 7 + 24
      if left + advance > width, left > 0 {
        rows += 1
        left = 0
      }
      left += advance
    }
    return rows
  }

  private func legend(names: [String], colours: [String], x: Double, y: Double, width: Double)
    -> String
  {
    var out = ""
    var left = x
    var top = y
    for (index, name) in names.enumerated() {
      let advance = Double(name.count) * 7 + 24
      if left + advance > x + width, left > x {
        left = x
        top += 16
      }
      out += """
        <rect x="\(ReportFormatting.coordinate(left))" y="\(top)" width="10" height="10" \
        fill="\(colours[index % colours.count])"/>
        <text class="legend" x="\(ReportFormatting.coordinate(left + 13))" y="\(top + 9)">\
        \(name)</text>\n
        """
      left += advance
    }
    return out
  }
}
