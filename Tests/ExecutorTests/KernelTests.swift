import Foundation
import TensorOptCost
import Testing

@testable import TensorOptExecutor

@Suite struct KernelTests {
  @Test func gemmMatchesANaiveProductWithTransposesAndStrides() {
    var random = TestRandom(seed: 1)
    let m = 5
    let n = 4
    let k = 3
    let a = random.values(k * m)
    let b = random.values(n * k + 2 * n)  // A stored k×m (transposed), B n×(k+2)
    let c = withPointers([a, b, [Float](repeating: 1, count: m * n)]) { p in
      Gemm.multiply(
        p[0], p[1], into: p[2], m: m, n: n, k: k, transposeA: true, transposeB: true, beta: 1,
        ldb: k + 2)
    }[2]
    for i in 0..<m {
      for j in 0..<n {
        var sum: Float = 1
        for l in 0..<k { sum += a[l * m + i] * b[j * (k + 2) + l] }
        #expect(abs(c[i * n + j] - sum) < 1e-5)
      }
    }
  }

  @Test(arguments: ["gelu", "relu", "silu"])
  func activationGradientsMatchFiniteDifferences(name: String) {
    var random = TestRandom(seed: 2)
    let x = random.values(40, scale: 2).map { abs($0) < 0.05 ? $0 + 0.2 : $0 }  // keep relu away from its kink
    let dy = random.values(40)
    let kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    let gradient:
      (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    switch name {
    case "gelu": (kernel, gradient) = (ActivationKernels.gelu, ActivationKernels.geluBackward)
    case "relu": (kernel, gradient) = (ActivationKernels.relu, ActivationKernels.reluBackward)
    default: (kernel, gradient) = (ActivationKernels.silu, ActivationKernels.siluBackward)
    }
    let forward = { (v: [Float]) in withPointers([v, v]) { p in kernel(p[0], p[1], v.count) }[1] }
    let dx = withPointers([x, dy, x]) { p in gradient(p[0], p[1], p[2], x.count) }[2]
    #expect(
      finiteDifferenceError(at: x, weights: dy, step: 1e-3, forward: forward, analytic: dx) < 1e-2)
  }

  @Test func swigluGradientsMatchFiniteDifferences() {
    var random = TestRandom(seed: 3)
    let a = random.values(12, scale: 2)
    let b = random.values(12)
    let dy = random.values(12)
    let grads = withPointers([a, b, dy, a, b]) { p in
      ActivationKernels.swigluBackward(p[0], p[1], p[2], p[3], p[4], count: 12)
    }
    let viaA = { (v: [Float]) in
      withPointers([v, b, v]) { p in ActivationKernels.swiglu(p[0], p[1], p[2], count: 12) }[2]
    }
    let viaB = { (v: [Float]) in
      withPointers([a, v, v]) { p in ActivationKernels.swiglu(p[0], p[1], p[2], count: 12) }[2]
    }
    #expect(finiteDifferenceError(at: a, weights: dy, forward: viaA, analytic: grads[3]) < 1e-2)
    #expect(finiteDifferenceError(at: b, weights: dy, forward: viaB, analytic: grads[4]) < 1e-2)
  }

  @Test func layerNormGradientsMatchFiniteDifferences() {
    var random = TestRandom(seed: 4)
    let rows = 3
    let width = 6
    let x = random.values(rows * width, scale: 2)
    let gamma = random.values(width)
    let beta = random.values(width)
    let dy = random.values(rows * width)
    func forward(_ x: [Float], _ gamma: [Float], _ beta: [Float]) -> [Float] {
      withPointers([x, gamma, beta, x, [Float](repeating: 0, count: 2 * rows)]) { p in
        NormKernels.layerNorm(
          p[0], gamma: p[1], beta: p[2], p[3], mean: p[4], rstd: p[4] + rows, rows: rows,
          width: width)
      }[3]
    }
    let grads = withPointers([
      x, gamma, beta, x, [Float](repeating: 0, count: 2 * rows), dy, x, gamma.map { _ in 0 },
      beta.map { _ in 0 },
    ]) { p in
      NormKernels.layerNorm(
        p[0], gamma: p[1], beta: p[2], p[3], mean: p[4], rstd: p[4] + rows, rows: rows, width: width
      )
      NormKernels.layerNormBackward(
        p[0], gamma: p[1], mean: p[4], rstd: p[4] + rows, p[5], p[6], dgamma: p[7], dbeta: p[8],
        rows: rows, width: width)
    }
    #expect(
      finiteDifferenceError(
        at: x, weights: dy, step: 1e-2, forward: { forward($0, gamma, beta) }, analytic: grads[6])
        < 1e-2)
    #expect(
      finiteDifferenceError(
        at: gamma, weights: dy, forward: { forward(x, $0, beta) }, analytic: grads[7]) < 1e-2)
    #expect(
      finiteDifferenceError(
        at: beta, weights: dy, forward: { forward(x, gamma, $0) }, analytic: grads[8]) < 1e-2)
  }

  @Test func rmsNormGradientsMatchFiniteDifferences() {
    var random = TestRandom(seed: 5)
    let rows = 2
    let width = 5
    let x = random.values(rows * width, scale: 2)
    let gamma = random.values(width)
    let dy = random.values(rows * width)
    func forward(_ x: [Float], _ gamma: [Float]) -> [Float] {
      withPointers([x, gamma, x, [Float](repeating: 0, count: rows)]) { p in
        NormKernels.rmsNorm(p[0], gamma: p[1], p[2], rstd: p[3], rows: rows, width: width)
      }[2]
    }
    let grads = withPointers([
      x, gamma, x, [Float](repeating: 0, count: rows), dy, x, gamma.map { _ in 0 },
    ]) { p in
      NormKernels.rmsNorm(p[0], gamma: p[1], p[2], rstd: p[3], rows: rows, width: width)
      NormKernels.rmsNormBackward(
        p[0], gamma: p[1], rstd: p[3], p[4], p[5], dgamma: p[6], rows: rows, width: width)
    }
    #expect(
      finiteDifferenceError(at: x, weights: dy, forward: { forward($0, gamma) }, analytic: grads[5])
        < 1e-2)
    #expect(
      finiteDifferenceError(at: gamma, weights: dy, forward: { forward(x, $0) }, analytic: grads[6])
        < 1e-2)
  }

  @Test func softmaxGradientsMatchFiniteDifferences() {
    var random = TestRandom(seed: 6)
    let x = random.values(12, scale: 3)
    let dy = random.values(12)
    let forward = { (v: [Float]) in
      withPointers([v, v]) { p in SoftmaxKernels.softmax(p[0], p[1], rows: 3, width: 4) }[1]
    }
    let y = forward(x)
    let dx = withPointers([y, dy, x]) { p in
      SoftmaxKernels.softmaxBackward(p[0], p[1], p[2], rows: 3, width: 4)
    }[2]
    #expect(finiteDifferenceError(at: x, weights: dy, forward: forward, analytic: dx) < 1e-2)
  }

  @Test func crossEntropyOverVocabularyShardsEqualsTheWholeRowLoss() {
    var random = TestRandom(seed: 7)
    let rows = 3
    let vocab = 8
    let logits = random.values(rows * vocab, scale: 3)
    let labels: [Float] = [1, 6, 3]
    func loss(_ x: [Float], parts: Int) -> (Float, [Float]) {
      let width = vocab / parts
      var statistics: [Float] = []
      var shards: [[Float]] = []
      for part in 0..<parts {
        var shard: [Float] = []
        for r in 0..<rows {
          let start: Int = r * vocab + part * width
          shard += x[start..<(start + width)]
        }
        shards.append(shard)
        statistics +=
          withPointers([shard, [Float](repeating: 0, count: 2 * rows)]) { p in
            SoftmaxKernels.rowStatistics(p[0], rows: rows, width: width, into: p[1])
          }[1]
      }
      let lse = withPointers([statistics, [Float](repeating: 0, count: rows)]) { p in
        SoftmaxKernels.logSumExp(combining: p[0], parts: parts, rows: rows, into: p[1])
      }[1]
      var total: Float = 0
      var gradient = [Float](repeating: 0, count: rows * vocab)
      for part in 0..<parts {
        _ = withPointers([shards[part], lse, labels, shards[part]]) { p in
          total += SoftmaxKernels.crossEntropyLoss(
            p[0], lse: p[1], labels: p[2], rows: rows, width: width, firstClass: part * width,
            countsLSE: part == 0,
            totalRows: rows)
          SoftmaxKernels.crossEntropyBackward(
            p[0], lse: p[1], labels: p[2], lossGradient: 1, p[3], rows: rows, width: width,
            firstClass: part * width,
            totalRows: rows)
          for r in 0..<rows {
            for c in 0..<width { gradient[r * vocab + part * width + c] = p[3][r * width + c] }
          }
        }
      }
      return (total, gradient)
    }
    var reference: Double = 0
    for r in 0..<rows {
      let row = logits[(r * vocab)..<((r + 1) * vocab)].map(Double.init)
      let top = row.max() ?? 0
      reference += top + log(row.reduce(0) { $0 + exp($1 - top) }) - row[Int(labels[r])]
    }
    reference /= Double(rows)
    let (whole, gradient) = loss(logits, parts: 1)
    let (split, splitGradient) = loss(logits, parts: 4)
    #expect(abs(Double(whole) - reference) < 1e-5)
    #expect(abs(Double(split) - reference) < 1e-5)
    #expect(zip(gradient, splitGradient).allSatisfy { abs($0 - $1) < 1e-6 })
    let error = finiteDifferenceError(
      at: logits, weights: [1], forward: { [loss($0, parts: 1).0] }, analytic: gradient)
    #expect(error < 1e-2)
  }

  @Test(arguments: [(1, false), (2, true), (1, true)])
  func attentionGradientsMatchFiniteDifferences(kvGroups: Int, causal: Bool) {
    var random = TestRandom(seed: 8)
    let geometry = AttentionGeometry(
      batch: 2, sequence: 3, groups: kvGroups, queriesPerGroup: 2, headDim: 2, causal: causal)
    let x = random.values(geometry.batch * geometry.sequence * geometry.inputWidth)
    let dy = random.values(geometry.batch * geometry.sequence * geometry.outputWidth)
    let probabilities = [Float](repeating: 0, count: geometry.probabilityCount)
    let out = [Float](repeating: 0, count: dy.count)
    let forward = { (v: [Float]) in
      withPointers([v, out, probabilities]) { p in
        AttentionKernels.forward(p[0], p[1], probabilities: p[2], geometry: geometry)
      }[1]
    }
    let dx = withPointers([x, out, probabilities, dy, x, [Float](repeating: 0, count: 9)]) { p in
      AttentionKernels.forward(p[0], p[1], probabilities: p[2], geometry: geometry)
      AttentionKernels.backward(
        p[0], probabilities: p[2], p[3], p[4], scratch: p[5], geometry: geometry)
    }[4]
    #expect(finiteDifferenceError(at: x, weights: dy, forward: forward, analytic: dx) < 1e-2)
    if causal {
      // The first token sees only itself: each head's output is its group's value head.
      let y = forward(x)
      let d = geometry.headDim
      let q = geometry.queriesPerGroup
      for g in 0..<kvGroups {
        for j in 0..<q {
          for c in 0..<d {
            #expect(abs(y[(g * q + j) * d + c] - x[(g * (q + 2) + q + 1) * d + c]) < 1e-6)
          }
        }
      }
    }
  }

  @Test func embeddingShardsGiveZerosOutsideTheirRows() {
    let table: [Float] = [1, 2, 3, 4, 5, 6]  // rows 2, 3, 4 of a larger table, width 2
    let ids: [Float] = [0, 3, 4, 2]
    let out = withPointers([ids, table, [Float](repeating: 9, count: 8)]) { p in
      EmbeddingKernels.lookup(
        ids: p[0], count: 4, table: p[1], tableRows: 3, firstRow: 2, width: 2, into: p[2])
    }[2]
    #expect(out == [0, 0, 3, 4, 5, 6, 1, 2])
    let dtable = withPointers([ids, [1, 1, 2, 2, 3, 3, 4, 4], [Float](repeating: 0, count: 6)]) {
      p in
      EmbeddingKernels.lookupBackward(
        ids: p[0], count: 4, dy: p[1], tableRows: 3, firstRow: 2, width: 2, into: p[2])
    }[2]
    #expect(dtable == [4, 4, 2, 2, 3, 3])
  }

  @Test func adamStepMatchesTheTextbookUpdate() {
    var configuration = AdamConfiguration()
    configuration.learningRate = 0.1
    configuration.weightDecay = 0.01
    let result = withPointers([[1, -2], [0.5, -0.25], [0, 0], [0, 0]]) { p in
      OptimizerKernels.adamStep(
        parameters: p[0], gradients: p[1], m: p[2], v: p[3], count: 2, step: 1,
        configuration: configuration)
    }
    // Step 1: m̂ = g, v̂ = g², update = g/(|g| + ε) ≈ sign(g).
    #expect(abs(result[0][0] - (1 - 0.1 * (1 + 0.01))) < 1e-6)
    #expect(abs(result[0][1] - (-2 - 0.1 * (-1 - 0.02))) < 1e-6)
    let sgd = withPointers([[1], [0.5], [0.2]]) { p in
      OptimizerKernels.sgdMomentumStep(
        parameters: p[0], gradients: p[1], momentum: p[2], count: 1, learningRate: 0.1, mu: 0.9)
    }
    #expect(abs(sgd[2][0] - 0.68) < 1e-6 && abs(sgd[0][0] - 0.932) < 1e-6)
  }
}
