import Foundation
import TensorOptGraph
import TensorOptImport

/// What every fuzz target checks: one input through an importer ends in a
/// result or in one clean, one-line error of the importer's type
/// (``ModelLoadError`` for models, `ClusterFileError` for cluster files,
/// `PlanFileError` for plan files) —
/// never a crash, a different error type, or a result the command line cannot print.
///
/// A broken contract becomes a `fatalError`, which libFuzzer reports as a crash
/// and saves the input for (see `docs/fuzzing.md`).
enum FuzzHarness {
  /// Runs `body` on the `size` bytes at `data` and checks how it ends: only
  /// errors of type `expected` with a one-line description are allowed.
  ///
  /// - Returns: 0, as libFuzzer expects.
  static func run<Expected: Error & CustomStringConvertible>(
    _ data: UnsafePointer<UInt8>, _ size: Int, expecting expected: Expected.Type,
    _ body: (Data) throws -> Void
  ) -> CInt {
    let input = Data(bytes: data, count: size)
    do {
      try body(input)
    } catch let error as Expected {
      let line = error.description
      if line.isEmpty || line.contains(where: \.isNewline) {
        fatalError("an error that is not one non-empty line: \(line.debugDescription)")
      }
    } catch {
      fatalError("not a \(Expected.self) (the CLI would not exit 2): \(type(of: error)): \(error)")
    }
    return 0
  }

  /// Runs `body` as ``run(_:_:expecting:_:)`` with ``ModelLoadError`` expected.
  static func run(
    _ data: UnsafePointer<UInt8>, _ size: Int, _ body: (Data) throws -> Void
  ) -> CInt {
    run(data, size, expecting: ModelLoadError.self, body)
  }

  /// Does with `model` what `tensoropt inspect --format json` does: builds the
  /// summary at batch 1 and encodes it.
  static func inspect(_ model: Model) throws {
    let summary = try ModelSummary(model: model)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    do {
      _ = try encoder.encode(summary)
    } catch {
      fatalError("the summary of a loaded model cannot be encoded as JSON: \(error)")
    }
  }
}
