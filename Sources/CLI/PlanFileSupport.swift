import ArgumentParser
import Foundation
import TensorOpt

/// Helpers shared by the commands that read plan files (`report`, `explain`, `export`).
enum PlanFileSupport {
  /// The plan file at `path`, or one `tensoropt: error:` line naming the file
  /// and the field, and exit code 2.
  static func load(_ path: String) throws -> PlanFile {
    do {
      return try PlanFile.load(contentsOf: path)
    } catch {
      throw failure(error.message)
    }
  }

  /// Frontier point `pick` of the result for `devices` in `plan` (read from `path`).
  static func entry(_ plan: PlanFile, path: String, pick: Int, devices: Int?) throws -> PlanEntry {
    do {
      return try plan.entry(pick: pick, devices: devices)
    } catch {
      throw failure("\(path): \(error.message)")
    }
  }

  /// Writes `data` to `path` (temporary file and rename) or to standard output when `path` is nil.
  static func emit(_ text: String, to path: String?) throws {
    guard let path else {
      print(text, terminator: "")
      return
    }
    do {
      try HTMLReport.write(text, to: path)
    } catch {
      throw failure(error.message)
    }
  }
}
