import Testing

@testable import TensorOptExecutor

/// A deterministic value for worker `rank`, element `index`.
private func value(_ rank: Int, _ index: Int) -> Float {
  Float((rank * 7919 + index * 104_729) % 1000) / 100 - 5
}

@Suite struct CollectiveTests {
  static let groupSizes = [1, 2, 3, 4, 5, 8]
  static let lengths = [1, 7, 13, 64]

  @Test(arguments: groupSizes)
  func allReduceEqualsTheSerialSum(workers: Int) throws {
    for length in Self.lengths {
      let run = try WorkerPool.run(count: workers, timeout: 10) { worker in
        let tensor = DeviceTensor(shape: [length], allocator: worker.allocator)
        for i in 0..<length { tensor.storage[i] = value(worker.rank, i) }
        try worker.communicator.allReduce(tensor.storage, group: Array(0..<worker.count))
        return tensor.values
      }
      let expected = (0..<length).map { i in (0..<workers).reduce(Float(0)) { $0 + value($1, i) } }
      for result in run.results {
        for (got, want) in zip(result, expected) {
          #expect(abs(got - want) <= 1e-4 * max(1, abs(want)))
        }
      }
    }
  }

  @Test(arguments: groupSizes)
  func reduceScatterLeavesEachMemberItsChunkOfTheSum(workers: Int) throws {
    for length in Self.lengths where length >= workers {
      let run = try WorkerPool.run(count: workers, timeout: 10) { worker in
        let input = DeviceTensor(shape: [length], allocator: worker.allocator)
        for i in 0..<length { input.storage[i] = value(worker.rank, i) }
        let range = Communicator.chunk(worker.rank, of: worker.count, length: length)
        let output = DeviceTensor(shape: [range.count], allocator: worker.allocator)
        try worker.communicator.reduceScatter(
          input.storage, into: output.storage, group: Array(0..<worker.count))
        return output.values
      }
      for (rank, result) in run.results.enumerated() {
        let range = Communicator.chunk(rank, of: workers, length: length)
        let expected = range.map { i in (0..<workers).reduce(Float(0)) { $0 + value($1, i) } }
        #expect(result.count == expected.count)
        for (got, want) in zip(result, expected) {
          #expect(abs(got - want) <= 1e-4 * max(1, abs(want)))
        }
      }
    }
  }

  @Test(arguments: groupSizes)
  func allGatherConcatenatesInGroupOrder(workers: Int) throws {
    for length in Self.lengths {
      let run = try WorkerPool.run(count: workers, timeout: 10) { worker in
        let range = Communicator.chunk(worker.rank, of: worker.count, length: length)
        let input = DeviceTensor(shape: [range.count], allocator: worker.allocator)
        for (k, i) in range.enumerated() { input.storage[k] = value(0, i) }
        let output = DeviceTensor(shape: [length], allocator: worker.allocator)
        try worker.communicator.allGather(
          UnsafeBufferPointer(input.storage), into: output.storage, group: Array(0..<worker.count))
        return output.values
      }
      let expected = (0..<length).map { value(0, $0) }
      for result in run.results { #expect(result == expected) }
    }
  }

  @Test(arguments: groupSizes)
  func allToAllDeliversEachPersonalisedChunk(workers: Int) throws {
    // Member r sends (r + j + 1) elements to member j, each encoding (r, j, k).
    let run = try WorkerPool.run(count: workers, timeout: 10) { worker in
      let r = worker.rank
      let sendCounts = (0..<worker.count).map { r + $0 + 1 }
      let receiveCounts = (0..<worker.count).map { $0 + r + 1 }
      let input = DeviceTensor(shape: [sendCounts.reduce(0, +)], allocator: worker.allocator)
      var offset = 0
      for j in 0..<worker.count {
        for k in 0..<sendCounts[j] { input.storage[offset + k] = Float(r * 10_000 + j * 100 + k) }
        offset += sendCounts[j]
      }
      let output = DeviceTensor(shape: [receiveCounts.reduce(0, +)], allocator: worker.allocator)
      try worker.communicator.allToAll(
        UnsafeBufferPointer(input.storage), sendCounts: sendCounts, into: output.storage,
        receiveCounts: receiveCounts,
        group: Array(0..<worker.count))
      return output.values
    }
    for (r, result) in run.results.enumerated() {
      let expected = (0..<workers).flatMap { i in
        (0..<(i + r + 1)).map { Float(i * 10_000 + r * 100 + $0) }
      }
      #expect(result == expected)
    }
  }

  @Test(arguments: groupSizes)
  func broadcastCopiesTheRootsBuffer(workers: Int) throws {
    let root = workers / 2
    let run = try WorkerPool.run(count: workers, timeout: 10) { worker in
      let buffer = DeviceTensor(shape: [13], allocator: worker.allocator)
      for i in 0..<13 { buffer.storage[i] = value(worker.rank, i) }
      try worker.communicator.broadcast(buffer.storage, root: root, group: Array(0..<worker.count))
      return buffer.values
    }
    for result in run.results { #expect(result == (0..<13).map { value(root, $0) }) }
  }

  @Test func collectivesRunOverDisjointSubgroupsOfAMesh() throws {
    // A 2x3 mesh: all-reduce along axis 1 (rows of 3), then along axis 0 (columns of 2).
    let mesh = [2, 3]
    let run = try WorkerPool.run(count: 6, timeout: 10) { worker in
      let buffer = DeviceTensor(shape: [5], allocator: worker.allocator)
      for i in 0..<5 { buffer.storage[i] = Float(worker.rank + i) }
      let row = (0..<mesh[1]).map { worker.rank / 3 * 3 + $0 }
      try worker.communicator.allReduce(buffer.storage, group: row)
      let column = (0..<mesh[0]).map { worker.rank % 3 + 3 * $0 }
      try worker.communicator.allReduce(buffer.storage, group: column)
      return buffer.values
    }
    let expected = (0..<5).map { i in (0..<6).reduce(Float(0)) { $0 + Float($1 + i) } }
    for result in run.results { #expect(result == expected) }
  }

  @Test func sendAndReceiveMatchByTag() throws {
    let run = try WorkerPool.run(count: 3, timeout: 10) { worker in
      let c = worker.communicator
      let buffer = DeviceTensor(shape: [4], allocator: worker.allocator)
      if worker.rank == 0 {
        for tag in [2, 1] {
          for i in 0..<4 { buffer.storage[i] = Float(tag * 10 + i) }
          try c.send(UnsafeBufferPointer(buffer.storage), to: 2, tag: tag)
        }
        return [Float]()
      } else if worker.rank == 2 {
        try c.receive(into: buffer.storage, from: 0, tag: 1)
        let first = buffer.values
        try c.receive(into: buffer.storage, from: 0, tag: 2)
        return first + buffer.values
      }
      return []
    }
    #expect(run.results[2] == [10, 11, 12, 13, 20, 21, 22, 23])
    #expect(run.allocators.allSatisfy { $0.currentBytes == 0 })
  }

  @Test func aPlantedDeadlockEndsWithATimeoutNamingTheWorker() {
    let start = ThreadClock.wallSeconds()
    #expect {
      _ = try WorkerPool.run(count: 2, timeout: 0.2) { worker in
        // Both workers receive first: a classic deadlock.
        let buffer = DeviceTensor(shape: [3], allocator: worker.allocator)
        try worker.communicator.receive(into: buffer.storage, from: 1 - worker.rank, tag: 7)
        try worker.communicator.send(
          UnsafeBufferPointer(buffer.storage), to: 1 - worker.rank, tag: 7)
      }
    } throws: { error in
      guard case .timeout(let worker, let what, _) = error as? ExecutorError else { return false }
      return (0...1).contains(worker) && what.contains("tag 7") && what.contains("from worker")
    }
    #expect(ThreadClock.wallSeconds() - start < 5)
  }

  @Test func aFailedWorkerStopsTheOthersWithItsError() {
    #expect {
      _ = try WorkerPool.run(count: 3, timeout: 30) { worker in
        if worker.rank == 1 { throw ExecutorError.unsupported("planted failure") }
        let buffer = DeviceTensor(shape: [3], allocator: worker.allocator)
        try worker.communicator.allReduce(buffer.storage, group: [0, 1, 2])
      }
    } throws: { error in
      (error as? ExecutorError) == .unsupported("planted failure")
    }
  }

  @Test func everyCollectiveIsRecordedInTheTrace() throws {
    let run = try WorkerPool.run(count: 2, timeout: 10) { worker in
      let buffer = DeviceTensor(shape: [6], allocator: worker.allocator)
      try worker.communicator.allReduce(buffer.storage, group: [0, 1])
      try worker.communicator.broadcast(buffer.storage, root: 0, group: [0, 1])
    }
    for trace in run.traces {
      let kinds = trace.events.compactMap { event -> String? in
        if case .transfer(let kind, _, _, _, _, _) = event { return kind }
        return nil
      }
      #expect(kinds == ["all-reduce", "broadcast"])
    }
  }
}
