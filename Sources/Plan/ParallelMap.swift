import Dispatch
import Foundation

/// Runs independent pieces of work on up to `threads` Swift-concurrency tasks
/// and returns their results in index order, so the outcome never depends on
/// the thread count or on scheduling.
enum ParallelMap {
  /// `body(i)` for every `i` in `0..<count`, in index order.
  static func map<T: Sendable>(
    count: Int, threads: Int, progress: (@Sendable (Int) -> Void)? = nil,
    _ body: @escaping @Sendable (Int) -> T
  ) async -> [T] {
    let workers = max(1, min(threads, count))
    if workers == 1 {
      var results: [T] = []
      results.reserveCapacity(count)
      for index in 0..<count {
        results.append(body(index))
        progress?(1)
      }
      return results
    }
    return await withTaskGroup(of: [(Int, T)].self) { group in
      for worker in 0..<workers {
        group.addTask {
          var part: [(Int, T)] = []
          for index in stride(from: worker, to: count, by: workers) {
            part.append((index, body(index)))
            progress?(1)
          }
          return part
        }
      }
      var slots = [T?](repeating: nil, count: count)
      for await part in group {
        for (index, value) in part { slots[index] = value }
      }
      return slots.compactMap { $0 }
    }
  }

  /// Runs `operation` to completion from synchronous code. The work runs on a
  /// ``DedicatedExecutor`` of its own (one thread per core), so it never waits
  /// for the cooperative thread this call may be blocking.
  static func blocking<T: Sendable>(_ operation: @escaping @Sendable () async -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    if #available(macOS 15.0, *) {
      let executor = DedicatedExecutor(threads: ProcessInfo.processInfo.activeProcessorCount)
      defer { executor.shutdown() }
      Task(executorPreference: executor) {
        box.value = await operation()
        done.signal()
      }
      done.wait()
      // The semaphore orders the write before this read.
      return box.value!
    }
    Task.detached {
      box.value = await operation()
      done.signal()
    }
    done.wait()
    // The semaphore orders the write before this read.
    return box.value!
  }
}

/// A slot written once by a task and read after it signals.
final class ResultBox<T>: @unchecked Sendable {
  var value: T?
}
