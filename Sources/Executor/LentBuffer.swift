import Foundation

/// A buffer a collective lends to one receiver, which reads it in place (no
/// staging copy); the lender waits until the read is done before it touches the
/// buffer again.
///
/// State changes hold `condition`'s lock. The receiver reads `values` only
/// between a successful ``claim()`` and ``finish()``, while the lender is blocked
/// in ``waitUntilRead(owner:reader:what:timeout:blocked:abortCause:)``, so the memory is
/// never read and written at once.
final class LentBuffer: @unchecked Sendable {
  private enum State { case posted, taken, done, withdrawn }

  /// The lent values.
  let values: UnsafeBufferPointer<Float>
  private let condition = NSCondition()
  private var state = State.posted
  /// Whether the lender is blocked waiting for the read to end.
  private var lenderBlocked = false

  init(_ values: UnsafeBufferPointer<Float>) { self.values = values }

  /// Starts reading; `false` when the lender withdrew the buffer (its run was aborted).
  func claim() -> Bool {
    condition.lock()
    defer { condition.unlock() }
    guard state == .posted else { return false }
    state = .taken
    return true
  }

  /// Ends reading and releases the lender, waking it when it is blocked; the CPU
  /// seconds the wake-up costs are added to `handOver`.
  func finish(handOver: inout Double) {
    condition.lock()
    state = .done
    guard lenderBlocked else {
      condition.unlock()
      return
    }
    let before = ThreadClock.cpuSeconds()
    condition.broadcast()
    condition.unlock()
    handOver += ThreadClock.cpuSeconds() - before
  }

  /// Takes the buffer back after a failure: withdraws it when nobody has started
  /// reading it, otherwise waits for the read in progress to end.
  func reclaim() {
    condition.lock()
    defer { condition.unlock() }
    if state == .posted { state = .withdrawn }
    while state == .taken {
      lenderBlocked = true
      condition.wait()
      lenderBlocked = false
    }
  }

  /// Blocks until the receiver has read the buffer; the CPU seconds spent blocked
  /// are added to `blocked`.
  ///
  /// A buffer nobody has started reading is withdrawn when the run is aborted or
  /// the timeout passes; one being read is always waited for (the read is a copy).
  func waitUntilRead(
    owner: Int, reader: Int, what: @autoclosure () -> String, timeout: Double,
    blocked: inout Double, abortCause: () -> String?
  ) throws(ExecutorError) {
    let deadline = Date(timeIntervalSinceNow: timeout)
    condition.lock()
    defer { condition.unlock() }
    while state != .done {
      if state == .posted {
        if let cause = abortCause() {
          state = .withdrawn
          throw .aborted(worker: owner, cause: cause)
        }
        if Date() >= deadline {
          state = .withdrawn
          throw .timeout(
            worker: owner, waitingFor: "worker \(reader) to read \(what())", seconds: timeout)
        }
      }
      let before = ThreadClock.cpuSeconds()
      lenderBlocked = true
      _ = condition.wait(until: min(deadline, Date(timeIntervalSinceNow: 0.02)))
      lenderBlocked = false
      blocked += ThreadClock.cpuSeconds() - before
    }
  }
}
