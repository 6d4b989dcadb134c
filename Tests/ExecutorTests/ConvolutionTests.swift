import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptExecutor

/// A small CNN: conv → batchnorm → relu → maxpool → conv → relu → avgpool →
/// global average pool → linear → cross-entropy.
enum TestCNN {
  static func d(_ label: String, _ size: Int) -> Dimension { Dimension(label, size) }
  static func image(_ n: Int, _ c: Int, _ h: Int) -> Shape {
    [d("batch", n), d("channels", c), d("height", h), d("width", h)]
  }

  static func graph(batch: Int = 4) throws -> Graph {
    var b = GraphBuilder()
    let x = try b.input("x", shape: image(batch, 3, 8), dtype: .fp32)
    var conv = OperatorAttributes()
    conv.kernel = [3, 3]
    conv.padding = [1, 1]
    var pool = OperatorAttributes()
    pool.kernel = [2, 2]
    pool.stride = [2, 2]
    let c1 = try b.add(
      "conv1", Operator(.conv2d, attributes: conv), inputs: [x], output: "c1",
      shape: image(batch, 8, 8))
    let n1 = try b.add(
      "bn1", Operator(.batchNorm), inputs: [c1], output: "n1", shape: image(batch, 8, 8))
    let r1 = try b.add(
      "relu1", Operator(.relu), inputs: [n1], output: "r1", shape: image(batch, 8, 8))
    let p1 = try b.add(
      "pool1", Operator(.maxPool, attributes: pool), inputs: [r1], output: "p1",
      shape: image(batch, 8, 4))
    let c2 = try b.add(
      "conv2", Operator(.conv2d, attributes: conv), inputs: [p1], output: "c2",
      shape: image(batch, 8, 4))
    let r2 = try b.add(
      "relu2", Operator(.relu), inputs: [c2], output: "r2", shape: image(batch, 8, 4))
    let p2 = try b.add(
      "pool2", Operator(.avgPool, attributes: pool), inputs: [r2], output: "p2",
      shape: image(batch, 8, 2))
    let g = try b.add(
      "gap", Operator(.globalAvgPool), inputs: [p2], output: "g",
      shape: [d("batch", batch), d("channels", 8)])
    let logits = try b.add(
      "fc", Operator(.linear), inputs: [g], output: "logits",
      shape: [d("batch", batch), d("classes", 10)])
    let loss = try b.add(
      "loss", Operator(.crossEntropy), inputs: [logits], output: "loss", shape: [])
    return b.build(outputs: [loss])
  }
}

@Suite struct ConvolutionTests {
  private func c(_ assignments: String?...) -> OpConfiguration { OpConfiguration(assignments) }

  @Test func convolutionGradientsMatchFiniteDifferences() {
    var random = TestRandom(seed: 9)
    let g = WindowGeometry(
      channels: 2, height: 4, width: 4, kernel: [3, 3], stride: [2, 2], padding: [1, 1])
    let x = random.values(2 * 16)
    let w = random.values(3 * g.patchSize)
    let dy = random.values(3 * g.outputPositions)
    func forward(_ x: [Float], _ w: [Float]) -> [Float] {
      withPointers([x, [Float](repeating: 0, count: g.patchSize * g.outputPositions), w, dy]) { p in
        ConvolutionKernels.im2col(p[0], p[1], geometry: g)
        Gemm.multiply(p[2], p[1], into: p[3], m: 3, n: g.outputPositions, k: g.patchSize)
      }[3]
    }
    let grads = withPointers([
      x, [Float](repeating: 0, count: g.patchSize * g.outputPositions), w, dy, w, x.map { _ in 0 },
    ]) { p in
      ConvolutionKernels.im2col(p[0], p[1], geometry: g)
      Gemm.multiply(
        p[3], p[1], into: p[4], m: 3, n: g.patchSize, k: g.outputPositions, transposeB: true)
      Gemm.multiply(
        p[2], p[3], into: p[1], m: g.patchSize, n: g.outputPositions, k: 3, transposeA: true)
      ConvolutionKernels.col2im(p[1], p[5], geometry: g)
    }
    #expect(
      finiteDifferenceError(at: x, weights: dy, forward: { forward($0, w) }, analytic: grads[5])
        < 1e-2)
    #expect(
      finiteDifferenceError(at: w, weights: dy, forward: { forward(x, $0) }, analytic: grads[4])
        < 1e-2)
  }

  @Test func singleDeviceCNNRunsAndEveryParameterHasAGradient() throws {
    let result = try StrategyExecutor.run(try TestCNN.graph(), strategy: .singleDevice)
    #expect(result.loss.isFinite)
    #expect(
      Set(result.gradients.keys) == [
        "conv1/weight", "conv1/bias", "bn1/gamma", "bn1/beta", "conv2/weight", "conv2/bias",
        "fc/weight", "fc/bias",
      ])
  }

  @Test(arguments: [
    [
      "conv1": "batch", "bn1": "batch", "relu1": "batch", "pool1": "batch", "conv2": "batch",
      "relu2": "batch", "pool2": "batch", "gap": "batch", "fc": "batch", "loss": "batch",
    ],
    [
      "conv1": "channels", "bn1": "channels", "relu1": "channels", "pool1": "channels",
      "conv2": "in_channels", "gap": "channels", "fc": "in",
    ],
    [
      "conv1": "batch", "bn1": "height", "relu1": "width", "pool1": "batch", "conv2": "in_channels",
      "pool2": "channels",
    ],
  ])
  func cnnStrategiesMatchOneWorker(assignments: [String: String]) throws {
    let graph = try TestCNN.graph()
    let reference = try StrategyExecutor.run(graph, strategy: .singleDevice)
    var configurations: [String: OpConfiguration] = [:]
    for (name, dimension) in assignments { configurations[name] = c(dimension) }
    let result = try StrategyExecutor.run(
      graph, strategy: ExecutionStrategy(mesh: DeviceMesh([2]), configurations: configurations))
    expectNumericsMatch(result, reference)
  }

  @Test func dataTimesChannelParallelCNNMatchesOneWorker() throws {
    let graph = try TestCNN.graph()
    let reference = try StrategyExecutor.run(graph, strategy: .singleDevice)
    let configurations = [
      "conv1": c("batch", "channels"), "bn1": c("batch", "channels"),
      "relu1": c("batch", "channels"),
      "pool1": c("batch", "channels"), "conv2": c("batch", "in_channels"), "relu2": c("batch", nil),
      "pool2": c("batch", nil), "gap": c("batch", nil), "fc": c("batch", "out"),
      "loss": c("batch", "vocab"),
    ]
    let result = try StrategyExecutor.run(
      graph, strategy: ExecutionStrategy(mesh: DeviceMesh([2, 2]), configurations: configurations))
    expectNumericsMatch(result, reference)
  }

  @Test func splittingAConvolutionWindowIsRefused() throws {
    #expect(throws: ExecutorError.self) {
      try StrategyExecutor.run(
        try TestCNN.graph(),
        strategy: ExecutionStrategy(mesh: DeviceMesh([2]), configurations: ["conv1": c("height")]))
    }
  }
}
