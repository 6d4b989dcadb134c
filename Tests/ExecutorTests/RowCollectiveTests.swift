import Testing

@testable import TensorOptExecutor

/// Reduce-scatter and all-gather along an inner tensor axis (rows of chunks),
/// below and above the direct-algorithm threshold, against serial references.
@Suite struct RowCollectiveTests {
  /// Small integers, so that every summation order gives the exact sum.
  @Sendable private static func value(_ rank: Int, _ index: Int) -> Float {
    Float((rank * 31 + index * 7) % 13) - 6
  }

  /// (workers, rows, elements per member per row): small and above the threshold.
  static let cases = [
    (2, 3, 5), (3, 4, 2), (4, 1, 6), (5, 2, 3),
    (3, 3, Communicator.ringThresholdBytes / 4 / 9 + 1),
  ]

  @Test(arguments: cases)
  func reduceScatterSumsEveryRowsChunk(shape: (Int, Int, Int)) throws {
    let (workers, rows, piece) = shape
    let length = rows * workers * piece
    let run = try WorkerPool.run(count: workers, timeout: 20) { worker in
      let input = DeviceTensor(shape: [length], allocator: worker.allocator)
      for i in 0..<length { input.storage[i] = Self.value(worker.rank, i) }
      let output = DeviceTensor(shape: [rows * piece], allocator: worker.allocator)
      try worker.communicator.reduceScatter(
        rows: rows, UnsafeBufferPointer(input.storage), into: output.storage,
        group: Array(0..<worker.count))
      return (input.values, output.values)
    }
    for (rank, (input, output)) in run.results.enumerated() {
      #expect(input == (0..<length).map { Self.value(rank, $0) })  // only read
      var expected: [Float] = []
      for row in 0..<rows {
        for k in 0..<piece {
          let index = row * workers * piece + rank * piece + k
          expected.append((0..<workers).reduce(Float(0)) { $0 + Self.value($1, index) })
        }
      }
      #expect(output == expected)
    }
  }

  @Test(arguments: cases)
  func allGatherPlacesEveryMembersRowsSideBySide(shape: (Int, Int, Int)) throws {
    let (workers, rows, piece) = shape
    let run = try WorkerPool.run(count: workers, timeout: 20) { worker in
      let input = DeviceTensor(shape: [rows * piece], allocator: worker.allocator)
      for i in 0..<(rows * piece) { input.storage[i] = Self.value(worker.rank, i) }
      let output = DeviceTensor(shape: [rows * workers * piece], allocator: worker.allocator)
      try worker.communicator.allGather(
        rows: rows, UnsafeBufferPointer(input.storage), into: output.storage,
        group: Array(0..<worker.count))
      return output.values
    }
    var expected: [Float] = []
    for row in 0..<rows {
      for member in 0..<workers {
        for k in 0..<piece { expected.append(Self.value(member, row * piece + k)) }
      }
    }
    for output in run.results { #expect(output == expected) }
  }

  @Test func unevenRowsAreRefused() throws {
    #expect(throws: ExecutorError.self) {
      _ = try Communicator.rowPiece(rows: 3, length: 10, members: 2)
    }
    #expect(try Communicator.rowPiece(rows: 3, length: 12, members: 2) == 2)
  }
}
