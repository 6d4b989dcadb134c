/// Reads the fields of one JSON object, naming the field in every error.
///
/// Errors name `subject` (e.g. `op 'fc2'`) and the field path, or the path alone
/// when there is no subject (e.g. `training.dtype`).
struct JSONObjectReader {
  /// The object's members.
  let members: [String: JSONValue]
  /// What the object describes, e.g. `op 'fc2'`; empty for plain field paths.
  let subject: String
  /// The object's own path, prefixed to its field names, e.g. `training`.
  let path: String

  init(_ value: JSONValue, subject: String = "", path: String = "") throws(ModelLoadError) {
    guard case .object(let members) = value else {
      let what = path.isEmpty ? "the document" : "this"
      throw Self.error(
        subject: subject, field: path, "\(what) must be a JSON object, not \(value.typeName)")
    }
    self.members = members
    self.subject = subject
    self.path = path
  }

  static func error(subject: String, field: String, _ message: String) -> ModelLoadError {
    if subject.isEmpty { return ModelLoadError(field, message) }
    return ModelLoadError(subject, field.isEmpty ? message : "\(field): \(message)")
  }

  /// The full name of a field of this object.
  func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  /// An error about one field of this object.
  func error(_ key: String, _ message: String) -> ModelLoadError {
    Self.error(subject: subject, field: field(key), message)
  }

  /// An error about the object as a whole.
  func error(_ message: String) -> ModelLoadError {
    Self.error(subject: subject, field: path, message)
  }

  /// Rejects any member not in `allowed` (typos must not pass silently).
  func rejectUnknownKeys(allowed: [String], context: String = "") throws(ModelLoadError) {
    let allowedSet = Set(allowed)
    if let unknown = members.keys.sorted().first(where: { !allowedSet.contains($0) }) {
      let suffix = context.isEmpty ? "" : " \(context)"
      throw error(unknown, "unknown key\(suffix) (allowed: \(allowed.joined(separator: ", ")))")
    }
  }

  func contains(_ key: String) -> Bool { members[key] != nil }

  func value(_ key: String) throws(ModelLoadError) -> JSONValue {
    guard let value = members[key] else { throw error("missing required key '\(key)'") }
    return value
  }

  func string(_ key: String) throws(ModelLoadError) -> String {
    let value = try value(key)
    guard case .string(let text) = value else {
      throw error(key, "expected a string, got \(value.typeName)")
    }
    guard !text.isEmpty else { throw error(key, "must not be empty") }
    return text
  }

  func optionalString(_ key: String) throws(ModelLoadError) -> String? {
    guard members[key] != nil, members[key] != .null else { return nil }
    return try string(key)
  }

  func int(_ key: String) throws(ModelLoadError) -> Int {
    let value = try value(key)
    guard case .integer(let number) = value else {
      throw error(key, "expected an integer, got \(value.typeName)")
    }
    return number
  }

  func positiveInt(_ key: String) throws(ModelLoadError) -> Int {
    let number = try int(key)
    guard number > 0 else { throw error(key, "must be positive, got \(number)") }
    return number
  }

  func optionalPositiveInt(_ key: String) throws(ModelLoadError) -> Int? {
    guard members[key] != nil, members[key] != .null else { return nil }
    return try positiveInt(key)
  }

  func optionalBool(_ key: String) throws(ModelLoadError) -> Bool? {
    guard let value = members[key], value != .null else { return nil }
    guard case .bool(let flag) = value else {
      throw error(key, "expected true or false, got \(value.typeName)")
    }
    return flag
  }

  func optionalDouble(_ key: String) throws(ModelLoadError) -> Double? {
    guard let value = members[key], value != .null else { return nil }
    switch value {
    case .integer(let number): return Double(number)
    case .number(let number): return number
    default: throw error(key, "expected a number, got \(value.typeName)")
    }
  }

  func array(_ key: String) throws(ModelLoadError) -> [JSONValue] {
    let value = try value(key)
    guard case .array(let items) = value else {
      throw error(key, "expected an array, got \(value.typeName)")
    }
    return items
  }

  func optionalArray(_ key: String) throws(ModelLoadError) -> [JSONValue] {
    guard members[key] != nil else { return [] }
    return try array(key)
  }

  /// The strings of an array member.
  func strings(_ key: String) throws(ModelLoadError) -> [String] {
    var result: [String] = []
    for (index, item) in try array(key).enumerated() {
      guard case .string(let text) = item, !text.isEmpty else {
        throw error("\(key)[\(index)]", "expected a tensor name, got \(item.typeName)")
      }
      result.append(text)
    }
    return result
  }

  /// A nested object member, as a reader over its own fields.
  func object(_ key: String, subject: String? = nil) throws(ModelLoadError) -> JSONObjectReader {
    let value = try value(key)
    if let subject { return try JSONObjectReader(value, subject: subject) }
    return try JSONObjectReader(value, subject: self.subject, path: field(key))
  }
}
