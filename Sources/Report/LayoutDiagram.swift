import TensorOptPlan

/// The device layout of one strategy as inline SVG: one box per pipeline stage
/// holding a grid of its devices (rows: data-parallel replicas, columns:
/// tensor-parallel ranks), each device coloured by the node it sits in.
struct LayoutDiagram {
  var strategy: PlanStrategy
  var devicesPerNode: Int
  var width = 900.0

  /// Pale node colours, repeating.
  static let nodeColours = [
    "#dbe9f6", "#fde2c8", "#d9f0d3", "#eadcf0", "#fbd5d5", "#d5f0ef", "#f6f0c8", "#e4e4e4",
  ]

  /// The most device boxes drawn: a larger strategy shows its first stages,
  /// replicas and ranks (the legend gives the full extents), so that a plan on
  /// 2^20 devices does not make a report of hundreds of megabytes.
  static let maximumCells = 4096

  /// The SVG element.
  var svg: String {
    let s = strategy
    let columns = min(max(s.tp, 1), 64)
    let stages = min(max(s.pp, 1), 16)
    let rows = min(max(s.dp, 1), max(Self.maximumCells / (columns * stages), 1))
    let gap = 16.0
    let available = (width - 20 - Double(stages - 1) * gap) / Double(stages)
    let cell = min(44, max(8, (available - 16) / Double(columns)))
    let boxWidth = cell * Double(columns) + 16
    let boxHeight = cell * Double(rows) + 56
    let height = boxHeight + 60
    let showNumbers = cell >= 22
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" class="layout-diagram" width="\(Int(width))" \
      height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
      aria-label="device layout">\n
      """
    for stage in 0..<stages {
      let x = 10 + Double(stage) * (boxWidth + gap)
      let y = 10.0
      let planStage = s.stages.first { $0.stage == stage }
      let first = planStage?.firstDevice ?? stage * max(s.dp, 1) * max(s.tp, 1)
      let layers = (planStage?.layers ?? []).map { "\($0.first ?? 0)–\(($0.last ?? 0) - 1)" }
      out += """
        <rect class="stage" x="\(ReportFormatting.coordinate(x))" y="\(y)" \
        width="\(ReportFormatting.coordinate(boxWidth))" height="\(boxHeight)"/>
        <text class="stage-label" x="\(ReportFormatting.coordinate(x + 8))" y="\(y + 16)">stage \(stage)</text>
        <text class="stage-layers" x="\(ReportFormatting.coordinate(x + 8))" y="\(y + 31)">\
        layers \(layers.isEmpty ? "none" : layers.joined(separator: ", "))</text>\n
        """
      for row in 0..<rows {
        for column in 0..<columns {
          let device = first + row * max(s.tp, 1) + column
          let node = device / max(devicesPerNode, 1)
          let cx = x + 8 + Double(column) * cell
          let cy = y + 42 + Double(row) * cell
          out += """
            <rect class="device" x="\(ReportFormatting.coordinate(cx))" \
            y="\(ReportFormatting.coordinate(cy))" width="\(ReportFormatting.coordinate(cell - 2))" \
            height="\(ReportFormatting.coordinate(cell - 2))" \
            fill="\(Self.nodeColours[node % Self.nodeColours.count])">\
            <title>device \(device), node \(node), stage \(stage), dp rank \(row), tp rank \(column)</title></rect>\n
            """
          if showNumbers {
            out += """
              <text class="device-label" x="\(ReportFormatting.coordinate(cx + (cell - 2) / 2))" \
              y="\(ReportFormatting.coordinate(cy + (cell - 2) / 2 + 4))" text-anchor="middle">\(device)</text>\n
              """
          }
        }
      }
    }
    let nodes = (s.dp * s.tp * s.pp + devicesPerNode - 1) / max(devicesPerNode, 1)
    let shown =
      (rows, columns, stages) == (max(s.dp, 1), max(s.tp, 1), max(s.pp, 1))
      ? "" : " (drawn: the first \(stages) stages, \(rows) replicas, \(columns) ranks)"
    out += """
      <text class="legend" x="10" y="\(ReportFormatting.coordinate(boxHeight + 34))">\
      rows: \(s.dp) data-parallel replica\(s.dp == 1 ? "" : "s"); columns: \(s.tp) tensor-parallel \
      rank\(s.tp == 1 ? "" : "s")\(s.operatorMesh.count > 1 ? " (mesh " + s.operatorMesh.map(String.init).joined(separator: "×") + ")" : ""); \
      \(s.pp) pipeline stage\(s.pp == 1 ? "" : "s"); colour: node (\(devicesPerNode) devices per node, \
      \(nodes) node\(nodes == 1 ? "" : "s"))\(shown)</text>
      </svg>\n
      """
    return out
  }
}
