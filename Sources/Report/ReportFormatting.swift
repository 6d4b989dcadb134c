import Foundation

/// Human-readable numbers and escaping shared by the report, explanation and export.
enum ReportFormatting {
  /// Bytes in binary units: `"1.5 GiB"`.
  static func bytes(_ value: Double) -> String {
    let units: [(Double, String)] = [
      (0x1p50, "PiB"), (0x1p40, "TiB"), (0x1p30, "GiB"), (0x1p20, "MiB"), (0x1p10, "KiB"),
    ]
    for (scale, unit) in units where abs(value) >= scale {
      return String(format: "%.1f %@", value / scale, unit)
    }
    return String(format: "%.0f B", value)
  }

  /// Seconds with a unit that keeps three significant figures: `"12.3 ms"`.
  static func seconds(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 1 { return String(format: "%.3g s", value) }
    if magnitude >= 1e-3 { return String(format: "%.3g ms", value * 1e3) }
    if magnitude == 0 { return "0 s" }
    return String(format: "%.3g µs", value * 1e6)
  }

  /// A fraction as a percentage: `0.423` → `"42.3%"`.
  static func percent(_ fraction: Double) -> String {
    String(format: "%.1f%%", fraction * 100)
  }

  /// A number with a metric prefix: `1.24e8` → `"124.4 M"`.
  static func scaled(_ value: Double, unit: String = "") -> String {
    let prefixes: [(Double, String)] = [
      (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"),
    ]
    for (scale, prefix) in prefixes where abs(value) >= scale {
      return String(format: "%.1f %@%@", value / scale, prefix, unit)
    }
    return String(format: "%.0f %@", value, unit).trimmingCharacters(in: .whitespaces)
  }

  /// A coordinate for SVG: at most two decimals, no exponent.
  static func coordinate(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let text = String(format: "%.2f", value)
    return text.hasSuffix(".00") ? String(text.dropLast(3)) : text
  }

  /// Left-aligned columns separated by two spaces; listed columns right-aligned.
  static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
    let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in
      rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
    }
    return rows.map { row in
      let cells = row.enumerated().map { column, cell in
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        return rightAligned.contains(column) ? pad + cell : cell + pad
      }
      return String(cells.joined(separator: "  ").reversed().drop { $0 == " " }.reversed())
    }.joined(separator: "\n") + "\n"
  }
}

extension String {
  /// The text escaped for HTML and XML content and attribute values.
  var htmlEscaped: String {
    var result = ""
    result.reserveCapacity(count)
    for character in self {
      switch character {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&#39;"
      default: result.append(character)
      }
    }
    return result
  }
}
