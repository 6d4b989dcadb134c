import Foundation
import TensorOptGraph

/// The model zoo: the native model files in a `Models/` directory, by name.
///
/// ``locate()`` finds the directory for an installed or freshly built binary
/// whatever the working directory: `$TENSOROPT_MODELS`, then `Models/` next to
/// or above the executable (`.build/release/tensoropt` → `<repo>/Models`) or in
/// `<prefix>/share/tensoropt/Models`, then the repository this source file was
/// compiled from.
public struct ModelZoo: Sendable {
  /// The environment variable that overrides the zoo directory.
  public static let environmentVariable = "TENSOROPT_MODELS"

  /// The directory holding `NAME.json` files.
  public var directory: URL

  /// A zoo over `directory`.
  public init(directory: URL) {
    self.directory = directory
  }

  /// The zoo this binary should use, or `nil` when no directory is found.
  public static func locate() -> ModelZoo? {
    candidateDirectories().first(where: isZooDirectory).map { ModelZoo(directory: $0) }
  }

  /// The directories ``locate()`` tries, in order.
  public static func candidateDirectories() -> [URL] {
    var candidates: [URL] = []
    if let value = ProcessInfo.processInfo.environment[environmentVariable], !value.isEmpty {
      candidates.append(URL(fileURLWithPath: value, isDirectory: true))
    }
    var executables: [URL] = []
    if let url = Bundle.main.executableURL { executables.append(url) }
    if let first = CommandLine.arguments.first, first.contains("/") {
      executables.append(URL(fileURLWithPath: first))
    }
    for executable in executables {
      for url in [executable, executable.resolvingSymlinksInPath()] {
        var directory = url.deletingLastPathComponent()
        candidates.append(
          directory.appendingPathComponent("../share/tensoropt/Models").standardized)
        for _ in 0..<5 {
          candidates.append(directory.appendingPathComponent("Models", isDirectory: true))
          directory = directory.deletingLastPathComponent()
        }
      }
    }
    let source = URL(fileURLWithPath: #filePath)
    candidates.append(
      source.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Models", isDirectory: true))
    return candidates
  }

  private static func isZooDirectory(_ url: URL) -> Bool {
    FileManager.default.fileExists(atPath: url.appendingPathComponent("gpt2.json").path)
  }

  /// The names of the zoo's models, sorted.
  public var names: [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
  }

  /// The file of the model called `name`.
  public func url(of name: String) -> URL {
    directory.appendingPathComponent("\(name).json")
  }

  /// Loads the model called `name`.
  ///
  /// - Throws: ``ModelLoadError`` listing the zoo when there is no such model.
  public func load(_ name: String) throws(ModelLoadError) -> Model {
    guard names.contains(name) else {
      throw ModelLoadError(
        file: name, subject: "",
        message:
          "no such file and no zoo model of that name (zoo: \(names.joined(separator: ", ")))")
    }
    let url = url(of: name)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw ModelLoadError(file: url.path, subject: "", message: "cannot read the file")
    }
    var model = try NativeModelImporter.model(from: data, file: url.path)
    // Machine-independent, so that reports and plan files are byte-identical everywhere.
    model.source = "zoo:\(name)"
    return model
  }
}
