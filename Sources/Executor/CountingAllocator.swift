import Synchronization

/// Counts every byte one worker holds: each executor buffer is allocated and
/// freed through its worker's allocator, so ``peakBytes`` is the worker's true
/// high-water mark.
///
/// A worker allocates on its own thread, but a message buffer may be freed by the
/// receiving worker and the counters are read by the driver after the run, so the
/// counters are atomics.
public final class CountingAllocator: Sendable {
  /// The worker (device) this allocator accounts for.
  public let worker: Int
  private let current = Atomic<Int>(0)
  private let peak = Atomic<Int>(0)
  private let allocations = Atomic<Int>(0)

  /// Creates an allocator for `worker` with nothing allocated.
  public init(worker: Int) { self.worker = worker }

  /// Bytes allocated and not yet freed.
  public var currentBytes: Int { current.load(ordering: .acquiring) }

  /// The largest value ``currentBytes`` has had since creation or the last ``resetPeak()``.
  public var peakBytes: Int { peak.load(ordering: .acquiring) }

  /// How many allocations were made since creation.
  public var allocationCount: Int { allocations.load(ordering: .relaxed) }

  /// Restarts peak tracking from the current level.
  public func resetPeak() { peak.store(currentBytes, ordering: .releasing) }

  /// Allocates room for `count` floats and counts its bytes; zero-filled unless
  /// `zeroed` is false (for buffers the caller overwrites at once).
  ///
  /// The pointer is valid (one element of room) even when `count` is zero.
  public func allocateFloats(_ count: Int, zeroed: Bool = true) -> UnsafeMutablePointer<Float> {
    assert(count >= 0, "negative allocation")
    let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    if zeroed || count == 0 { pointer.initialize(repeating: 0, count: max(count, 1)) }
    record(count * MemoryLayout<Float>.stride)
    return pointer
  }

  /// Frees `count` floats at `pointer`, which this allocator returned, and uncounts them.
  public func free(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
    record(-count * MemoryLayout<Float>.stride)
    pointer.deallocate()
  }

  private func record(_ delta: Int) {
    if delta > 0 { allocations.wrappingAdd(1, ordering: .relaxed) }
    let now = current.wrappingAdd(delta, ordering: .acquiringAndReleasing).newValue
    assert(now >= 0, "worker \(worker) freed more than it allocated")
    var seen = peak.load(ordering: .relaxed)
    while now > seen {
      let (exchanged, original) = peak.compareExchange(
        expected: seen, desired: now, ordering: .acquiringAndReleasing)
      if exchanged { break }
      seen = original
    }
  }
}
