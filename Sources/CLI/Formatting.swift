import Foundation

/// Human-readable numbers for tables.
enum Formatting {
  /// `124439808` → `"124,439,808"`.
  static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, character) in digits.enumerated() {
      if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
      result.append(character)
    }
    return value < 0 ? "-" + result : result
  }

  /// `1.24e8` → `"124.4 M"`, with the given unit suffix.
  static func scaled(_ value: Double, unit: String = "") -> String {
    let prefixes: [(Double, String)] = [
      (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"),
    ]
    for (scale, prefix) in prefixes where abs(value) >= scale {
      return String(format: "%.1f %@%@", value / scale, prefix, unit)
    }
    return String(format: "%.0f %@", value, unit).trimmingCharacters(in: .whitespaces)
  }

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

  /// Left-aligned columns separated by two spaces; numeric columns right-aligned.
  static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
    let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in
      rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
    }
    return rows.map { row in
      row.enumerated().map { column, cell in
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        return rightAligned.contains(column) ? pad + cell : cell + pad
      }.joined(separator: "  ").trimmingTrailingSpaces()
    }.joined(separator: "\n") + "\n"
  }
}

extension String {
  /// The string without trailing spaces (table rows keep their indentation).
  fileprivate func trimmingTrailingSpaces() -> String {
    String(reversed().drop(while: { $0 == " " }).reversed())
  }
}
