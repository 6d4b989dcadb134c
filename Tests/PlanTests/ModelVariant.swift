import Foundation
import Testing

/// Writes a variant of the model JSON at `source` to a fresh temporary file:
/// the JSON object is decoded, `edit`ed, renamed `name` and written back.
/// Returns the file's path (the caller removes it).
func writeModelVariant(
  of source: String, name: String, edit: (inout [String: Any]) throws -> Void
) throws -> String {
  var json = try #require(
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source)))
      as? [String: Any])
  try edit(&json)
  json["name"] = name
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("\(name)-\(UUID().uuidString).json")
  try JSONSerialization.data(withJSONObject: json).write(to: path)
  return path.path
}
