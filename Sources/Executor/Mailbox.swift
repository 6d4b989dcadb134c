import Foundation

/// Identifies a message: which collective (or point-to-point channel) it belongs
/// to, that collective's sequence number within its group, and the step within it.
struct MessageTag: Hashable, Sendable, CustomStringConvertible {
  /// The collective's name (`"all-reduce"`, ...) or `"p2p"`.
  var operation: String
  /// The group's members (empty for point-to-point).
  var group: [Int]
  /// The collective's sequence number among the group's collectives, or the user's tag.
  var sequence: Int
  /// The step within the collective.
  var step: Int

  var description: String {
    group.isEmpty
      ? "\(operation) tag \(sequence)"
      : "\(operation) #\(sequence) step \(step) of group \(group)"
  }
}

/// A message: an owned copy (point-to-point sends, which never block) or a
/// buffer lent by a collective.
enum Message {
  /// A copy counted by the sender's allocator, freed by the receiver.
  case owned(DeviceTensor)
  /// The sender's own memory, to read in place.
  case lent(LentBuffer)

  /// The number of floats carried.
  var count: Int {
    switch self {
    case .owned(let tensor): tensor.count
    case .lent(let buffer): buffer.values.count
    }
  }
}

/// The messages waiting for one worker, keyed by sender and tag.
///
/// Every access holds `condition`'s lock, which is what makes the class safe to
/// share between the sending and the receiving threads.
final class Mailbox: @unchecked Sendable {
  private struct Key: Hashable {
    var source: Int
    var tag: MessageTag
  }

  private let condition = NSCondition()
  private var waiting: [Key: [Message]] = [:]
  private var abortCause: String?
  /// Whether the owner is blocked in ``take(from:tag:owner:timeout:blocked:)``.
  private var ownerBlocked = false

  /// Leaves `message` for the owner, waking it when it is blocked; the CPU
  /// seconds the wake-up costs the depositing thread (a system call that exists
  /// only because the owner gave its core away) are added to `handOver`.
  func deposit(_ message: Message, from source: Int, tag: MessageTag, handOver: inout Double) {
    condition.lock()
    waiting[Key(source: source, tag: tag), default: []].append(message)
    guard ownerBlocked else {
      condition.unlock()
      return
    }
    let before = ThreadClock.cpuSeconds()
    condition.broadcast()
    condition.unlock()
    handOver += ThreadClock.cpuSeconds() - before
  }

  /// Why the run was aborted, if it was.
  var abortReason: String? {
    condition.lock()
    defer { condition.unlock() }
    return abortCause
  }

  /// Wakes the owner and makes every current and future wait fail with `cause`.
  func abort(_ cause: String) {
    condition.lock()
    if abortCause == nil { abortCause = cause }
    condition.broadcast()
    condition.unlock()
  }

  /// Takes the oldest message from `source` with `tag`, waiting at most `timeout` seconds.
  ///
  /// The calling thread's CPU seconds spent blocked (entering and leaving the
  /// wait: the cost of sharing a core, not of moving data) are added to `blocked`.
  ///
  /// - Throws: ``ExecutorError/timeout(worker:waitingFor:seconds:)`` naming `owner`
  ///   and the message, or ``ExecutorError/aborted(worker:cause:)`` when the run
  ///   was stopped by another worker's failure.
  func take(
    from source: Int, tag: MessageTag, owner: Int, timeout: Double, blocked: inout Double
  ) throws(ExecutorError) -> Message {
    let key = Key(source: source, tag: tag)
    let deadline = Date(timeIntervalSinceNow: timeout)
    condition.lock()
    defer { condition.unlock() }
    while true {
      if let cause = abortCause { throw .aborted(worker: owner, cause: cause) }
      if var queue = waiting[key], !queue.isEmpty {
        let message = queue.removeFirst()
        waiting[key] = queue.isEmpty ? nil : queue
        return message
      }
      let before = ThreadClock.cpuSeconds()
      ownerBlocked = true
      let signalled = condition.wait(until: deadline)
      ownerBlocked = false
      blocked += ThreadClock.cpuSeconds() - before
      if !signalled, waiting[key]?.isEmpty ?? true, abortCause == nil {
        throw .timeout(worker: owner, waitingFor: "\(tag) from worker \(source)", seconds: timeout)
      }
    }
  }
}

/// The mailboxes of all workers of a run, and the run-wide abort switch.
final class Fabric: Sendable {
  let mailboxes: [Mailbox]
  /// Seconds any receive may wait before failing.
  let timeout: Double

  init(workerCount: Int, timeout: Double) {
    mailboxes = (0..<workerCount).map { _ in Mailbox() }
    self.timeout = timeout
  }

  /// Stops every waiting and future receive with `cause`.
  func abort(_ cause: String) {
    for mailbox in mailboxes { mailbox.abort(cause) }
  }
}
