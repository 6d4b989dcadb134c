/// One timed event of a worker.
public enum TraceEvent: Hashable, Sendable {
  /// A compute kernel: its name and the thread CPU seconds it took.
  case compute(name: String, cpuSeconds: Double)
  /// A collective or transfer: its kind, the group (worker ids; for send and
  /// receive the two endpoints), its sequence within the group, the bytes this
  /// worker moved, the thread CPU seconds spent copying and reducing, and the
  /// wall seconds from entry to exit (including waiting for peers).
  case transfer(
    kind: String, group: [Int], sequence: Int, bytes: Int, cpuSeconds: Double, wallSeconds: Double)
  /// A collective that a device would run on its communication engine, overlapped
  /// with the compute that follows (a gradient all-reduce issued during backward);
  /// same fields as ``transfer(kind:group:sequence:bytes:cpuSeconds:wallSeconds:)``.
  case overlappedTransfer(
    kind: String, group: [Int], sequence: Int, bytes: Int, cpuSeconds: Double, wallSeconds: Double)
  /// The worker waits for all its overlapped transfers (before the optimizer step).
  case joinOverlapped
}

/// The ordered list of one worker's timed events.
///
/// Appended only by its worker's thread and read after the threads are joined,
/// so it needs no lock.
public final class WorkerTrace: @unchecked Sendable {
  // @unchecked: single-writer (the worker thread); readers run after the join,
  // which orders their reads after every write.

  /// The events in program order.
  public private(set) var events: [TraceEvent] = []

  /// An empty trace.
  public init() {}

  /// Appends an event.
  public func record(_ event: TraceEvent) { events.append(event) }

  /// Runs `work`, recording its thread CPU time as a compute event named `name`.
  @inline(__always)
  public func timed<T, E: Error>(_ name: String, _ work: () throws(E) -> T) throws(E) -> T {
    let start = ThreadClock.cpuSeconds()
    let result = try work()
    events.append(.compute(name: name, cpuSeconds: ThreadClock.cpuSeconds() - start))
    return result
  }

  /// Total CPU seconds of compute events.
  public var computeSeconds: Double {
    events.reduce(0) {
      if case .compute(_, let seconds) = $1 { return $0 + seconds }
      return $0
    }
  }
}
