import COpenBLAS
import Foundation

/// What a worker thread is given: its id, allocator, communicator and trace.
public struct Worker: @unchecked Sendable {
  // @unchecked: the reference members are each confined to this worker's thread
  // or lock-protected (see their types).

  /// The worker (device) id, `0 ..< count`.
  public let rank: Int
  /// The number of workers in the run.
  public let count: Int
  /// Counts every buffer this worker holds.
  public let allocator: CountingAllocator
  /// Transfers to and collectives with the other workers.
  public let communicator: Communicator
  /// The worker's timed events.
  public let trace: WorkerTrace
}

/// What a finished run leaves: each worker's result, allocator and trace, and the wall time.
public struct WorkerPoolRun<Result: Sendable>: Sendable {
  /// Each worker's return value, by rank.
  public var results: [Result]
  /// Each worker's allocator (peak and current bytes), by rank.
  public var allocators: [CountingAllocator]
  /// Each worker's trace, by rank.
  public var traces: [WorkerTrace]
  /// Wall seconds from starting the threads to joining the last.
  public var wallSeconds: Double
}

/// Runs one closure on N threads, one per simulated device.
public enum WorkerPool {
  /// Runs `body` on `count` worker threads and waits for all of them.
  ///
  /// OpenBLAS is limited to one thread, so each worker owns one core's worth of BLAS.
  /// When a worker throws, every other worker's pending and future receives fail
  /// with ``ExecutorError/aborted(worker:cause:)`` and the run rethrows the first
  /// failure (not the secondary aborts).
  ///
  /// - Parameters:
  ///   - timeout: seconds any receive may wait before failing with an error that
  ///     names the worker and what it waited for.
  ///   - joinTimeout: seconds to wait for all threads to finish.
  public static func run<Result: Sendable>(
    count: Int, timeout: Double = 60, joinTimeout: Double = 3600,
    _ body: @escaping @Sendable (Worker) throws -> Result
  ) throws -> WorkerPoolRun<Result> {
    guard count > 0 else {
      throw ExecutorError.invalidArgument("a run needs at least one worker, got \(count)")
    }
    openblas_set_num_threads(1)
    let fabric = Fabric(workerCount: count, timeout: timeout)
    let allocators = (0..<count).map { CountingAllocator(worker: $0) }
    let traces = (0..<count).map { _ in WorkerTrace() }
    let outcome = Outcomes<Result>(count: count)
    let start = ThreadClock.wallSeconds()
    for rank in 0..<count {
      let worker = Worker(
        rank: rank, count: count, allocator: allocators[rank],
        communicator: Communicator(
          rank: rank, fabric: fabric, allocator: allocators[rank], trace: traces[rank]),
        trace: traces[rank])
      let thread = Thread {
        do {
          outcome.finish(rank, with: .success(try body(worker)))
        } catch {
          let failure =
            (error as? ExecutorError) ?? .workerFailed(worker: rank, message: "\(error)")
          fabric.abort("worker \(rank) failed: \(failure)")
          outcome.finish(rank, with: .failure(failure))
        }
      }
      thread.stackSize = 8 << 20
      thread.start()
    }
    let results = try outcome.waitForAll(timeout: joinTimeout)
    return WorkerPoolRun(
      results: results, allocators: allocators, traces: traces,
      wallSeconds: ThreadClock.wallSeconds() - start)
  }
}

/// The workers' outcomes, filled in by the worker threads and awaited by the driver.
///
/// Every access holds `condition`'s lock.
private final class Outcomes<Result: Sendable>: @unchecked Sendable {
  private let condition = NSCondition()
  private var slots: [Swift.Result<Result, ExecutorError>?]

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func finish(_ rank: Int, with result: Swift.Result<Result, ExecutorError>) {
    condition.lock()
    slots[rank] = result
    condition.broadcast()
    condition.unlock()
  }

  func waitForAll(timeout: Double) throws(ExecutorError) -> [Result] {
    let deadline = Date(timeIntervalSinceNow: timeout)
    condition.lock()
    defer { condition.unlock() }
    while slots.contains(where: { $0 == nil }) {
      if !condition.wait(until: deadline), let missing = slots.firstIndex(where: { $0 == nil }) {
        throw .timeout(
          worker: missing, waitingFor: "its own completion (run join)", seconds: timeout)
      }
    }
    var values: [Result] = []
    var secondary: ExecutorError?
    for slot in slots {
      switch slot {
      case .success(let value): values.append(value)
      case .failure(let error) where error.isSecondary: secondary = secondary ?? error
      case .failure(let error): throw error
      case nil: assertionFailure("unfinished worker after the join")
      }
    }
    if let secondary { throw secondary }
    return values
  }
}
