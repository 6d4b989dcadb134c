import Foundation
import TensorOptCost

/// A plan file (`tensoropt-plan/1`): the model, cluster and settings of a `plan`
/// run and every frontier strategy it found, complete enough to replay each one.
///
/// Keys are snake-case (`time_s`, `memory_bytes`); use ``encoded()`` and
/// ``decode(_:)``, which apply the key strategies and a deterministic output
/// (sorted keys, frontier points in increasing time). See docs/plan-format.md.
public struct PlanFile: Codable, Hashable, Sendable {
  /// The format tag this version writes and reads.
  public static let currentFormat = "tensoropt-plan/1"

  /// Always ``currentFormat``.
  public var format: String
  /// The model and the settings that rebuild its graph.
  public var model: PlannedModel
  /// The hardware.
  public var cluster: PlannedCluster
  /// How the search ran.
  public var settings: PlanSettings
  /// One result per device count searched (one without `--devices-range`), by
  /// increasing device count.
  public var results: [PlanResult]

  /// Creates a plan file of the current format.
  public init(
    model: PlannedModel, cluster: PlannedCluster, settings: PlanSettings, results: [PlanResult]
  ) {
    self.format = Self.currentFormat
    self.model = model
    self.cluster = cluster
    self.settings = settings
    self.results = results.sorted { $0.devices < $1.devices }
  }

  /// The pretty, key-sorted JSON of the file, ending in a newline: the same
  /// plan gives the same bytes.
  public func encoded() throws -> Data {
    try Self.encoder.encode(self) + Data("\n".utf8)
  }

  /// Reads a plan file.
  ///
  /// - Throws: ``PlanFileError`` for malformed JSON, a missing field, another
  ///   format, or a value outside ``checkLimits()``.
  public static func decode(_ data: Data) throws(PlanFileError) -> PlanFile {
    struct Header: Decodable { var format: String? }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    guard let header = try? decoder.decode(Header.self, from: data) else {
      throw PlanFileError("not a JSON object")
    }
    guard header.format == currentFormat else {
      throw PlanFileError(
        "expected format \"\(currentFormat)\", got \(header.format.map { "\"\($0)\"" } ?? "none")")
    }
    let plan: PlanFile
    do {
      plan = try decoder.decode(PlanFile.self, from: data)
    } catch let error as DecodingError {
      throw PlanFileError(Self.describe(error))
    } catch {
      throw PlanFileError("cannot be decoded: \(error)")
    }
    try plan.checkLimits()
    return plan
  }

  /// Reads the plan file at `path`.
  ///
  /// - Throws: ``PlanFileError`` when it cannot be read or decoded.
  public static func load(contentsOf path: String) throws(PlanFileError) -> PlanFile {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw PlanFileError("cannot read \(path)")
    }
    do {
      return try decode(data)
    } catch {
      throw PlanFileError("\(path): \(error.message)")
    }
  }

  /// Writes the file to `path` through a temporary file in the same directory
  /// and a rename, so that a reader never sees half a plan.
  ///
  /// - Throws: ``PlanFileError`` when the file cannot be written.
  public func write(to path: String) throws(PlanFileError) {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(
        ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
    do {
      try encoded().write(to: temporary)
      // rename(2) replaces the target atomically.
      guard rename(temporary.path, url.path) == 0 else {
        throw PlanFileError(String(cString: strerror(errno)))
      }
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw PlanFileError("cannot write \(path): \(error.localizedDescription)")
    }
  }

  /// The encoder behind ``encoded()``.
  public static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return encoder
  }

  static func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "field \(path(context.codingPath + [key])) is missing"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return "field \(path(context.codingPath)) has the wrong type"
    case .dataCorrupted(let context):
      return "field \(path(context.codingPath)) is malformed"
    @unknown default:
      return "cannot be decoded"
    }
  }
}

/// Why a plan file cannot be read or written.
public struct PlanFileError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A one-line explanation.
  public var message: String

  /// Creates an error.
  public init(_ message: String) { self.message = message }

  public var description: String { message }
}
