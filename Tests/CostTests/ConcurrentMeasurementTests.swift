import Foundation
import Synchronization
import Testing

@testable import TensorOptCost

@Suite("Kernels measured by several threads at once")
struct ConcurrentMeasurementTests {
  /// Each call returns how many calls started before it, so the figures of `n`
  /// threads are 1…n in some order and their median is known.
  private func medianOfCallOrders(concurrency: Int) -> (median: Double, calls: Int) {
    let profiler = MachineProfiler(concurrency: concurrency)
    let counter = Atomic<Int>(0)
    let median = profiler.concurrently {
      Double(counter.add(1, ordering: .sequentiallyConsistent).newValue)
    }
    return (median, counter.load(ordering: .sequentiallyConsistent))
  }

  @Test("every thread measures once and the median of their figures is kept")
  func medianOverThreads() {
    let odd = medianOfCallOrders(concurrency: 5)
    #expect(odd.calls == 5)
    #expect(odd.median == 3)  // median of 1…5
    let even = medianOfCallOrders(concurrency: 4)
    #expect(even.calls == 4)
    #expect(even.median == 2.5)  // (2 + 3) / 2
  }

  @Test("concurrency 1 (and below) measures once on the calling thread")
  func aloneRunsOnce() {
    let alone = medianOfCallOrders(concurrency: 1)
    #expect(alone.calls == 1 && alone.median == 1)
    #expect(MachineProfiler(concurrency: 0).concurrency == 1)
  }

  @Test("a product measured by two threads at once takes positive, finite time")
  func concurrentProductIsTimed() {
    let profiler = MachineProfiler(coldBytes: 1 << 20, concurrency: 2)
    let seconds = profiler.concurrently { profiler.gemmSeconds(m: 16, n: 16, k: 16) }
    #expect(seconds > 0 && seconds < 1)
  }
}
