/// A dense row-major fp32 tensor held by one worker; its storage is counted by
/// the worker's ``CountingAllocator`` and returned to it when the last reference
/// goes away.
///
/// Integer tensors (token ids, labels) are stored as exact floats (ids below 2²⁴).
/// A tensor is owned by one worker thread at a time; it is handed to another
/// thread only across a synchronising point (a mailbox, or the end of a run).
public final class DeviceTensor: @unchecked Sendable {
  // @unchecked: the storage is mutated only by the owning worker; hand-over
  // between threads happens through a lock (mailbox) or a thread join.

  /// The extents, outermost first (empty for a scalar).
  public let shape: [Int]
  /// The first element (valid even for empty tensors).
  public let pointer: UnsafeMutablePointer<Float>
  /// The storage, `shape.product` elements.
  public let storage: UnsafeMutableBufferPointer<Float>
  /// The allocator that counted the storage.
  public let allocator: CountingAllocator

  /// Allocates a zero-filled tensor of `shape` counted by `allocator`.
  public convenience init(shape: [Int], allocator: CountingAllocator) {
    self.init(shape: shape, allocator: allocator, zeroed: true)
  }

  /// Allocates a tensor holding a copy of `values` (no zero-fill first).
  public convenience init(
    shape: [Int], copying values: UnsafeBufferPointer<Float>, allocator: CountingAllocator
  ) {
    self.init(shape: shape, allocator: allocator, zeroed: values.count != shape.reduce(1, *))
    assert(values.count == storage.count, "value count does not match the shape")
    if let source = values.baseAddress, values.count == storage.count {
      pointer.update(from: source, count: storage.count)
    }
  }

  private init(shape: [Int], allocator: CountingAllocator, zeroed: Bool) {
    self.shape = shape
    self.allocator = allocator
    let count = shape.reduce(1, *)
    self.pointer = allocator.allocateFloats(count, zeroed: zeroed)
    self.storage = UnsafeMutableBufferPointer(start: pointer, count: count)
  }

  deinit { allocator.free(pointer, count: storage.count) }

  /// The number of elements.
  public var count: Int { storage.count }

  /// A copy of the values as a Swift array (tests and reports only).
  public var values: [Float] { Array(storage) }

  /// The same data under another shape of equal element count.
  public func reshaped(_ newShape: [Int]) -> DeviceTensor {
    assert(newShape.reduce(1, *) == count, "reshape changes the element count")
    return DeviceTensor(
      shape: newShape, copying: UnsafeBufferPointer(storage), allocator: allocator)
  }
}
