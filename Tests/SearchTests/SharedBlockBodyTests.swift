import TensorOptCost
import TensorOptGraph
import Testing

@testable import TensorOptSearch

/// A cost model pricing everything as `base` does, with a label no price reads:
/// equal bodies under unequal models.
private struct LabelledCost: ForwardingStageCost, Hashable {
  var base: SimpleStageCost
  var label: Int

}

/// Block bodies, their reductions and their bounded powers shared between stage
/// problems through a ``BlockBodyMemo``.
@Suite("Block bodies shared between stage problems")
struct SharedBlockBodyTests {
  /// A small GPT with `layers` repetitions of its block (the same body whatever
  /// the count).
  static func gpt(layers: Int, batch: Int = 4) throws -> Graph {
    try TestModels.gpt(
      layers: layers, batch: batch, sequence: 64, hidden: 64, heads: 4, vocab: 256)
  }

  /// `gpt`'s block (body and count) behind a layer norm (node 1, as in `gpt`)
  /// or first (node 0), under another name when given.
  static func normThenBlock(layers: Int, name: String = "layers", norm: Bool = true) throws
    -> Graph
  {
    let reference = try gpt(layers: layers)
    let block = try #require(reference.nodes.compactMap(\.block).first)
    let input = block.body.tensors[try #require(block.body.inputs.first)]
    var builder = GraphBuilder()
    let x = try builder.input("x", shape: input.shape, dtype: input.dtype)
    let first =
      norm
      ? try builder.add(
        "ln_in", Operator(.layerNorm), inputs: [x], output: "ln_in", shape: input.shape) : x
    let out = try builder.repeatBlock(
      name, body: block.body, count: layers, input: first, output: name)
    let loss = try builder.add(
      "loss", Operator(.crossEntropy), inputs: [out], output: "loss", shape: [])
    return builder.build(outputs: [loss])
  }

  /// Incumbents strictly beating a random part of `points` by a few percent.
  static func incumbents(beating points: [PlanPoint], _ random: inout SplitMix64)
    -> IncumbentBound
  {
    var result: [CostVector] = []
    for point in points where Int.random(in: 0..<3, using: &random) == 0 {
      let factor = Double.random(in: 0.9...0.99, using: &random)
      result.append(CostVector(time: point.cost.time * factor, memory: point.cost.memory * factor))
    }
    if result.isEmpty, let first = points.first {
      result.append(CostVector(time: first.cost.time * 0.95, memory: first.cost.memory * 0.95))
    }
    return IncumbentBound(result)
  }

  @Test("searches sharing one memo find the points and strategies of searches without it")
  func memoisedSearchesEqualUnmemoised() throws {
    var random = SplitMix64(seed: 0x5EED_B0D1)
    let memo = BlockBodyMemo()
    var searches = 0
    var prunings = 0
    for _ in 0..<10 {
      let graph = try Self.gpt(layers: Int.random(in: 1...7, using: &random))
      let mesh = [[4], [2, 2], [2]].randomElement(using: &random)!
      var model = SimpleStageCost(mesh: DeviceMesh(mesh))
      model.flopsPerSecond = [1e14, 3e14].randomElement(using: &random)!
      let options = SearchOptions(epsilon: [0, 0, 0.05].randomElement(using: &random)!)
      let plain = try StageSearch.frontier(of: graph, costModel: model, options: options)
      let shared = try StageSearch.frontier(
        of: graph, costModel: model, options: options, memo: memo)
      #expect(shared.points.map(\.cost) == plain.points.map(\.cost))
      #expect(shared.points.map(\.strategy) == plain.points.map(\.strategy))
      #expect(shared.statistics == plain.statistics)
      // Bounded by incumbents: pruned powers, some of their compositions shared.
      let bound = Self.incumbents(beating: plain.points, &random)
      let bounded = try StageSearch.frontier(
        of: graph, costModels: [model], incumbent: bound)
      let boundedShared = try StageSearch.frontier(
        of: graph, costModels: [model], incumbent: bound, memo: memo)
      #expect(boundedShared.points.map(\.cost) == bounded.points.map(\.cost))
      #expect(boundedShared.points.map(\.strategy) == bounded.points.map(\.strategy))
      #expect(boundedShared.statistics == bounded.statistics)
      prunings += bounded.statistics.boundPrunings
      searches += 3
    }
    // The memo was used (fewer bodies than searches) and the bounds pruned.
    #expect(memo.count < searches / 3)
    #expect(prunings > 0)
  }

  @Test("bodies differing in one component of the key are not shared; equal ones are")
  func bodiesDifferingInOneKeyComponentAreNotShared() throws {
    let memo = BlockBodyMemo()
    let model = SimpleStageCost(mesh: DeviceMesh([4]))
    func build(_ graph: Graph, _ model: any StageCostModel, pruning: Bool = true) throws {
      _ = try StageProblem(graph: graph, costModel: model, pruning: pruning, memo: memo)
    }
    try build(Self.gpt(layers: 2), model)
    #expect(memo.count == 1)
    // Another repetition count, the same body, index, name and model: shared.
    try build(Self.gpt(layers: 5), model)
    #expect(memo.count == 1)
    // The cost model.
    var faster = model
    faster.flopsPerSecond *= 2
    try build(Self.gpt(layers: 2), faster)
    #expect(memo.count == 2)
    try build(Self.gpt(layers: 2), SimpleStageCost(mesh: DeviceMesh([2, 2])))
    #expect(memo.count == 3)
    // The body graph (another micro-batch).
    try build(Self.gpt(layers: 2, batch: 8), model)
    #expect(memo.count == 4)
    // The pruning flag.
    try build(Self.gpt(layers: 2), model, pruning: false)
    #expect(memo.count == 5)
    // The block node's index: 1 in `gpt` and behind a norm (shared), 0 first.
    #expect(try Self.gpt(layers: 2).nodes.firstIndex { $0.block != nil } == 1)
    try build(Self.normThenBlock(layers: 2), model)
    #expect(memo.count == 5, "same body, index, name and model as gpt's block: shared")
    let blockFirst = try Self.normThenBlock(layers: 2, norm: false)
    #expect(blockFirst.nodes.firstIndex { $0.block != nil } == 0)
    try build(blockFirst, model)
    #expect(memo.count == 6)
    // The block's name.
    try build(Self.normThenBlock(layers: 2, name: "stack"), model)
    #expect(memo.count == 7)
    // Models equal in every price but unequal: separate bodies, one reduction.
    let graphs = memo.graphCount
    try build(Self.gpt(layers: 2), LabelledCost(base: model, label: 1))
    try build(Self.gpt(layers: 2), LabelledCost(base: model, label: 2))
    #expect(memo.count == 9)
    #expect(memo.graphCount == graphs)
  }

  @Test("a body's reductions are kept per tolerance")
  func reductionsAreKeptPerTolerance() throws {
    let memo = BlockBodyMemo()
    let model = SimpleStageCost(mesh: DeviceMesh([4]))
    let problem = try StageProblem(graph: Self.gpt(layers: 3), costModel: model, memo: memo)
    let block = try #require(problem.blocks.first)
    let shared = try #require(block.shared)
    let exact = FrontierTracking().solve(block.graph, terminals: [block.input, block.output])
    let loose = FrontierTracking(tolerance: 0.5, afterwards: 3).solve(
      block.graph, terminals: [block.input, block.output])
    let sizes = { (matrix: FrontierMatrix) in matrix.entries.map(\.count) }
    // Thinning changes the matrix (or the test proves nothing).
    #expect(sizes(exact.matrix) != sizes(loose.matrix))
    for _ in 0..<2 {
      let memoExact = shared.reductions.reduction(by: FrontierTracking())
      let memoLoose = shared.reductions.reduction(
        by: FrontierTracking(tolerance: 0.5, afterwards: 3))
      #expect(sizes(memoExact.matrix) == sizes(exact.matrix))
      #expect(sizes(memoLoose.matrix) == sizes(loose.matrix))
      #expect(memoExact.matrix.entries.map(\.costs) == exact.matrix.entries.map(\.costs))
      #expect(memoLoose.matrix.entries.map(\.costs) == loose.matrix.entries.map(\.costs))
    }
  }

  @Test("shared bounded powers equal unshared ones, operands pruned alike or not")
  func sharedBoundedPowersEqualUnshared() throws {
    var random = SplitMix64(seed: 0x5EED_B0D2)
    let memo = BlockBodyMemo()
    let model = SimpleStageCost(mesh: DeviceMesh([2, 2]))
    let problem = try StageProblem(graph: Self.gpt(layers: 2), costModel: model, memo: memo)
    let reductions = try #require(problem.blocks.first?.shared?.reductions)
    let body = reductions.reduction(by: FrontierTracking()).matrix
    var prunings: [Int: Set<Int>] = [:]
    for _ in 0..<12 {
      let count = Int.random(in: 2...6, using: &random)
      // Incumbents beating some points of the full power, with a random rest.
      let full = body.power(count)
      var incumbents: [CostVector] = []
      for entry in full.entries {
        for point in entry.points where Int.random(in: 0..<8, using: &random) == 0 {
          let factor = Double.random(in: 0.97...1.02, using: &random)
          incumbents.append(
            CostVector(time: point.cost.time * factor, memory: point.cost.memory * factor))
        }
      }
      let bound = IncumbentBound(incumbents)
      let rest = CostVector.zero
      let plain = body.power(count, bound: bound, rest: rest)
      let shared = reductions.boundedPower(count, bound: bound, rest: rest)
      #expect(shared.prunings == plain.prunings)
      #expect(shared.matrix.entries.map(\.costs) == plain.matrix.entries.map(\.costs))
      #expect(
        shared.matrix.entries.map { $0.points.map(\.trace.picks) }
          == plain.matrix.entries.map { $0.points.map(\.trace.picks) })
      prunings[count, default: []].insert(plain.prunings)
    }
    // The same count was pruned differently (operands differing in their
    // dropped points must not share compositions), and some were pruned alike.
    #expect(prunings.values.contains { $0.count > 1 })
  }
}
