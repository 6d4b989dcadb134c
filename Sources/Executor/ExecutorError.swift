/// Why an executor run stopped.
public enum ExecutorError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A worker waited longer than the run's timeout; names the worker and what it waited for.
  case timeout(worker: Int, waitingFor: String, seconds: Double)
  /// A worker stopped because another worker failed first.
  case aborted(worker: Int, cause: String)
  /// A worker failed; carries its message.
  case workerFailed(worker: Int, message: String)
  /// A collective or transfer was called with arguments that cannot work.
  case invalidArgument(String)
  /// The strategy or model cannot be run by this executor (the message says why).
  case unsupported(String)
  /// The run would need more memory than this machine should give it.
  case refused(String)

  public var description: String {
    switch self {
    case .timeout(let worker, let what, let seconds):
      "worker \(worker) timed out after \(seconds) s waiting for \(what)"
    case .aborted(let worker, let cause): "worker \(worker) stopped: \(cause)"
    case .workerFailed(let worker, let message): "worker \(worker) failed: \(message)"
    case .invalidArgument(let message): "invalid argument: \(message)"
    case .unsupported(let message): "unsupported: \(message)"
    case .refused(let message): "refused: \(message)"
    }
  }

  /// Whether this error only reports that another worker failed first.
  public var isSecondary: Bool {
    if case .aborted = self { return true }
    return false
  }
}
