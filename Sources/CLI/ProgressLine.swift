import Foundation
import Synchronization

/// A progress line on stderr, only when stderr is a terminal and the work has
/// run for more than a second; erased when the work finishes.
final class ProgressLine: Sendable {
  private struct State {
    var finished = 0
    var lastPrint = 0.0
    var printed = false
  }

  private let label: String
  private let start = Date()
  private let enabled = isatty(STDERR_FILENO) != 0
  private let state = Mutex(State())

  init(label: String) { self.label = label }

  /// Counts `finished` more of `total` pieces of work.
  @Sendable func report(_ finished: Int, _ total: Int) {
    guard enabled else { return }
    let elapsed = Date().timeIntervalSince(start)
    let line: String? = state.withLock { state in
      state.finished += finished
      guard elapsed > 1, elapsed - state.lastPrint > 0.2 else { return nil }
      state.lastPrint = elapsed
      state.printed = true
      let percent = total > 0 ? 100 * state.finished / total : 100
      return "\r\(label): \(state.finished)/\(total) combinations (\(percent)%)"
    }
    if let line { FileHandle.standardError.write(Data(line.utf8)) }
  }

  /// Erases the line when one was printed.
  func finish() {
    let printed = state.withLock { $0.printed }
    if printed { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
  }
}
