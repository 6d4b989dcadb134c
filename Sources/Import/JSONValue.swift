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

  /// Parses `data`, reporting malformed JSON as a one-line error.
  static func parse(_ data: Data) throws(ModelLoadError) -> JSONValue {
    do {
      return try JSONDecoder().decode(JSONValue.self, from: data)
    } catch let DecodingError.dataCorrupted(context) {
      let detail = context.underlyingError.map { Self.describe($0) } ?? context.debugDescription
      throw ModelLoadError("", "malformed JSON: \(detail)")
    } catch {
      throw ModelLoadError("", "malformed JSON: \(Self.describe(error))")
    }
  }

  private static func describe(_ error: any Error) -> String {
    let nsError = error as NSError
    let text = (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    return text.split(whereSeparator: \.isNewline).joined(separator: " ")
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
