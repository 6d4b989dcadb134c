import Foundation
import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptExecutor

/// The executor's fast paths against straightforward references: level-2 BLAS
/// routing of degenerate products, the vectorised optimizer steps, the ring
/// collectives above the direct-algorithm threshold, and ZeRO-2 sharding every
/// micro-batch's gradient.
@Suite struct FastPathTests {
  /// `C = beta·C + op(A)·op(B)` computed with plain loops, all row-major.
  private func naive(
    _ a: [Float], _ b: [Float], _ c: [Float], m: Int, n: Int, k: Int, transposeA: Bool,
    transposeB: Bool, beta: Float, lda: Int, ldb: Int, ldc: Int
  ) -> [Float] {
    var result = c
    for i in 0..<m {
      for j in 0..<n {
        var sum: Float = 0
        for l in 0..<k {
          let x = transposeA ? a[l * lda + i] : a[i * lda + l]
          let y = transposeB ? b[j * ldb + l] : b[l * ldb + j]
          sum += x * y
        }
        result[i * ldc + j] = beta * c[i * ldc + j] + sum
      }
    }
    return result
  }

  @Test(arguments: [(1, 6, 5), (4, 1, 5), (5, 6, 1), (1, 1, 7)])
  func degenerateProductsMatchNaiveLoops(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    var random = TestRandom(seed: 11)
    for transposeA in [false, true] {
      for transposeB in [false, true] {
        for beta: Float in [0, 1] {
          // Padded leading dimensions exercise the strides of every operand.
          let lda = (transposeA ? m : k) + 2
          let ldb = (transposeB ? k : n) + 1
          let ldc = n + 3
          let a = random.values((transposeA ? k : m) * lda)
          let b = random.values((transposeB ? n : k) * ldb)
          let c = random.values(m * ldc)
          let got = withPointers([a, b, c]) { p in
            Gemm.multiply(
              p[0], p[1], into: p[2], m: m, n: n, k: k, transposeA: transposeA,
              transposeB: transposeB, beta: beta, lda: lda, ldb: ldb, ldc: ldc)
          }[2]
          let want = naive(
            a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, beta: beta,
            lda: lda, ldb: ldb, ldc: ldc)
          for i in 0..<m {
            for j in 0..<n {
              #expect(abs(got[i * ldc + j] - want[i * ldc + j]) < 1e-5)
            }
          }
          // Padding between rows is left alone.
          for i in 0..<m {
            for j in n..<ldc { #expect(got[i * ldc + j] == c[i * ldc + j]) }
          }
        }
      }
    }
  }

  @Test func vectorisedReluBackwardSelectsTheGradientWherePositive() {
    var random = TestRandom(seed: 13)
    let count = 19  // two vector blocks and a tail
    let x = random.values(count).enumerated().map { $0.offset == 3 ? 0 : $0.element }
    let dy = random.values(count)
    let dx = withPointers([x, dy, dy]) { p in
      ActivationKernels.reluBackward(p[0], p[1], p[2], count: count)
    }[2]
    #expect(dx == zip(x, dy).map { $0 > 0 ? $1 : 0 })
  }

  @Test func vectorisedAdamMatchesTheScalarTextbookStep() {
    var configuration = AdamConfiguration()
    configuration.learningRate = 0.05
    configuration.weightDecay = 0.01
    var random = TestRandom(seed: 12)
    let count = 37  // four vector blocks and a tail
    let p = random.values(count)
    let g = random.values(count)
    let m = random.values(count, scale: 0.1)
    let v = random.values(count).map { $0 * $0 * 0.1 }
    let result = withPointers([p, g, m, v]) { q in
      OptimizerKernels.adamStep(
        parameters: q[0], gradients: q[1], m: q[2], v: q[3], count: count, step: 3,
        configuration: configuration)
    }
    let c = configuration
    for i in 0..<count {
      let mi = Double(c.beta1) * Double(m[i]) + (1 - Double(c.beta1)) * Double(g[i])
      let vi = Double(c.beta2) * Double(v[i]) + (1 - Double(c.beta2)) * Double(g[i] * g[i])
      let mHat = mi / (1 - pow(Double(c.beta1), 3))
      let vHat = vi / (1 - pow(Double(c.beta2), 3))
      let update = mHat / (vHat.squareRoot() + Double(c.epsilon))
      let pi =
        Double(p[i]) - Double(c.learningRate) * (update + Double(c.weightDecay) * Double(p[i]))
      #expect(abs(Double(result[2][i]) - mi) < 1e-6)
      #expect(abs(Double(result[3][i]) - vi) < 1e-6)
      #expect(abs(Double(result[0][i]) - pi) < 1e-5 * max(1, abs(pi)))
    }
    let b = random.values(count)
    let sgd = withPointers([p, g, b]) { q in
      OptimizerKernels.sgdMomentumStep(
        parameters: q[0], gradients: q[1], momentum: q[2], count: count, learningRate: 0.1,
        mu: 0.9)
    }
    for i in 0..<count {
      let momentum = 0.9 * b[i] + g[i]
      #expect(abs(sgd[2][i] - momentum) < 1e-6)
      #expect(abs(sgd[0][i] - (p[i] - 0.1 * momentum)) < 1e-6)
    }
  }

  @Test(arguments: [3, 4])
  func ringCollectivesAboveTheThresholdMatchTheSerialSum(workers: Int) throws {
    // One element more than the threshold, not divisible by the group.
    let length = Communicator.ringThresholdBytes / 4 + 1
    @Sendable func value(_ rank: Int, _ index: Int) -> Float {
      Float((rank * 31 + index * 7) % 13) - 6
    }
    let run = try WorkerPool.run(count: workers, timeout: 20) { worker in
      let group = Array(0..<worker.count)
      let summed = DeviceTensor(shape: [length], allocator: worker.allocator)
      for i in 0..<length { summed.storage[i] = value(worker.rank, i) }
      try worker.communicator.allReduce(summed.storage, group: group)
      let input = DeviceTensor(shape: [length], allocator: worker.allocator)
      for i in 0..<length { input.storage[i] = value(worker.rank, i) }
      let range = Communicator.chunk(worker.rank, of: worker.count, length: length)
      let chunk = DeviceTensor(shape: [range.count], allocator: worker.allocator)
      try worker.communicator.reduceScatter(input.storage, into: chunk.storage, group: group)
      let gathered = DeviceTensor(shape: [length], allocator: worker.allocator)
      try worker.communicator.allGather(
        UnsafeBufferPointer(chunk.storage), into: gathered.storage, group: group)
      return (summed.values, gathered.values)
    }
    // Small integers: every summation order gives the exact sum.
    let expected = (0..<length).map { i in (0..<workers).reduce(Float(0)) { $0 + value($1, i) } }
    for (summed, gathered) in run.results {
      #expect(summed == expected)
      #expect(gathered == expected)
    }
  }

  @Test(arguments: [2, 3, 5])
  func directReduceScatterLeavesItsInputUnchanged(workers: Int) throws {
    let length = 11
    @Sendable func value(_ rank: Int, _ index: Int) -> Float { Float(rank * 100 + index) }
    let run = try WorkerPool.run(count: workers, timeout: 10) { worker in
      let input = DeviceTensor(shape: [length], allocator: worker.allocator)
      for i in 0..<length { input.storage[i] = value(worker.rank, i) }
      let range = Communicator.chunk(worker.rank, of: worker.count, length: length)
      let output = DeviceTensor(shape: [range.count], allocator: worker.allocator)
      try worker.communicator.reduceScatter(
        input.storage, into: output.storage, group: Array(0..<worker.count))
      return (input.values, output.values)
    }
    for (rank, (input, output)) in run.results.enumerated() {
      #expect(input == (0..<length).map { value(rank, $0) })
      let range = Communicator.chunk(rank, of: workers, length: length)
      #expect(output == range.map { i in (0..<workers).reduce(Float(0)) { $0 + value($1, i) } })
    }
  }
}
