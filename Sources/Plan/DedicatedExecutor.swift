import Foundation

/// A task executor that runs jobs on threads of its own, outside Swift's
/// cooperative pool.
///
/// ``ParallelMap/blocking(_:)`` blocks its caller until async work finishes. When
/// the caller is itself a cooperative thread (a test, or a library user calling
/// the synchronous planner from inside a task), the work must not need the
/// cooperative pool: with every cooperative thread blocked, it would never run.
/// Work started with this executor as its preference (and its child tasks, which
/// inherit it) runs on these threads instead.
@available(macOS 15.0, *)
final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []
  private var stopping = false

  /// Starts `threads` worker threads (at least one).
  init(threads: Int) {
    for _ in 0..<max(threads, 1) {
      let thread = Thread { [self] in work() }
      thread.start()
    }
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  /// Lets the threads finish the queued jobs and exit.
  func shutdown() {
    condition.lock()
    stopping = true
    condition.broadcast()
    condition.unlock()
  }

  private func work() {
    while true {
      condition.lock()
      while jobs.isEmpty && !stopping { condition.wait() }
      if jobs.isEmpty {
        condition.unlock()
        return
      }
      let job = jobs.removeFirst()
      condition.unlock()
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}
