import Foundation

/// A parsed JSON document, kept exact: integers stay integers, booleans stay booleans.
enum JSONValue: Sendable, Hashable, Decodable {
  case null
  case bool(Bool)
  case integer(Int)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int.self) {
      self = .integer(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  /// How deeply arrays and objects may nest. Model files nest a few levels;
  /// decoding time grows with the square of the depth (each level's failed
  /// type probes carry the whole coding path), so a 3 KB file nested 400 deep
  /// would take seconds.
  static let maximumDepth = 64

  /// Parses `data`, reporting malformed JSON as a one-line error.
  static func parse(_ data: Data) throws(ModelLoadError) -> JSONValue {
    if let offset = offsetExceedingDepth(data) {
      let (line, column) = position(of: offset, in: data)
      throw ModelLoadError(
        "",
        "line \(line), column \(column): arrays and objects nest more than \(maximumDepth) deep")
    }
    do {
      return try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
      throw ModelLoadError("", "malformed JSON: \(diagnosis(data))")
    }
  }

  /// Where and why `data` is not JSON, e.g. `line 3, column 14: Invalid value`.
  /// (`JSONDecoder` does not say where; `JSONSerialization` gives a character offset.)
  private static func diagnosis(_ data: Data) -> String {
    let detail: String
    do {
      _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
      return "not a JSON document"
    } catch {
      let nsError = error as NSError
      detail =
        (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
    let flat = detail.split(whereSeparator: \.isNewline).joined(separator: " ")
    guard let range = flat.range(of: "around character "),
      let offset = Int(flat[range.upperBound...].prefix(while: \.isNumber))
    else { return flat }
    let (line, column) = position(of: offset, in: data)
    let reason = flat[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
    return "line \(line), column \(column): \(reason)"
  }

  /// The 1-based line and column (in characters) of byte `offset` of `data`.
  private static func position(of offset: Int, in data: Data) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    for byte in data.prefix(offset) {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return (line, column)
  }

  /// The offset of the first `[` or `{` (outside strings) nested deeper than
  /// ``maximumDepth``, or `nil`: one linear pass before the decoder runs.
  private static func offsetExceedingDepth(_ data: Data) -> Int? {
    var depth = 0
    var inString = false
    var escaped = false
    for (offset, byte) in data.enumerated() {
      if inString {
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "\"") {
          inString = false
        }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""): inString = true
      case UInt8(ascii: "["), UInt8(ascii: "{"):
        depth += 1
        if depth > maximumDepth { return offset }
      case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
      default: break
      }
    }
    return nil
  }

  /// What kind of value this is, for error messages.
  var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .integer: "an integer"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }
}
