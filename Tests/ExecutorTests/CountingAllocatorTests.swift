import Testing

@testable import TensorOptExecutor

@Suite struct CountingAllocatorTests {
  @Test func peakMatchesAHandCountOfLiveBuffers() {
    let allocator = CountingAllocator(worker: 0)
    do {
      let a = DeviceTensor(shape: [10, 10], allocator: allocator)  // 400 B
      #expect(allocator.currentBytes == 400)
      do {
        let b = DeviceTensor(shape: [25], allocator: allocator)  // 100 B -> 500
        let c = DeviceTensor(shape: [3, 5], allocator: allocator)  // 60 B -> 560 (peak)
        #expect(b.count + c.count == 40)
      }
      #expect(allocator.currentBytes == 400)
      let d = DeviceTensor(shape: [30], allocator: allocator)  // 120 B -> 520
      #expect(allocator.currentBytes == 520)
      #expect(a.count + d.count == 130)
    }
    #expect(allocator.currentBytes == 0)
    #expect(allocator.peakBytes == 560)
    #expect(allocator.allocationCount == 4)
  }

  @Test func resetPeakRestartsFromTheCurrentLevel() {
    let allocator = CountingAllocator(worker: 3)
    let kept = DeviceTensor(shape: [8], allocator: allocator)
    do { _ = DeviceTensor(shape: [100], allocator: allocator) }
    #expect(allocator.peakBytes == 432)
    allocator.resetPeak()
    #expect(allocator.peakBytes == 32)
    #expect(kept.values == Array(repeating: 0, count: 8))
  }
}
