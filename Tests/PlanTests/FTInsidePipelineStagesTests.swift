import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan
@testable import TensorOptSearch

/// The operator-level search inside pipeline stages (`StagedOperatorSearch`):
/// per-stage FT frontiers combined exactly into a pipeline family's frontier.
@Suite("FT inside pipeline stages")
struct FTInsidePipelineStagesTests {
  static let devices = 4

  /// A model with a tied LM head (`lm_head` reads `wte`), 2 layers.
  static let tiedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/tiny-tied-gpt.json").path

  static func request(threads: Int = 1, model source: String = "gpt-mini") throws -> PlanRequest {
    let model = try ModelLoader.load(source)
    return PlanRequest(
      model: model, modelSource: source,
      cluster: ClusterPreset.a100With80GB.cluster(devices: devices), threads: threads)
  }

  /// The pp2 family of `strategy` (even split of gpt-mini's 4 layers).
  static func family(
    microBatches m: Int, recomputation: Recomputation = .none, zero: Int = 0,
    schedule: PipelineSchedule = .oneForwardOneBackward, layers: Int = 4
  ) -> PipelineFamily {
    let s = ParallelStrategy(
      dataParallel: 1, tensorParallel: 2, pipelineStages: 2, microBatchSize: 8 / m,
      schedule: schedule, recomputation: recomputation, zeroStage: zero)
    return PipelineFamily(s, microBatches: m, layers: layers)!
  }

  /// Four pp2 families of a model of `layers` layers: 1F1B and GPipe, ZeRO 0-3,
  /// no and selective recomputation.
  static func families(layers: Int = 4) -> [PipelineFamily] {
    [
      family(microBatches: 4, layers: layers), family(microBatches: 2, zero: 1, layers: layers),
      family(microBatches: 4, recomputation: .selective, zero: 3, layers: layers),
      family(microBatches: 2, zero: 2, schedule: .gpipe, layers: layers),
    ]
  }

  static let families = families()

  @Test(
    "every uniform pp2 point of a family is on or behind the family's FT-in-stages frontier",
    arguments: ["gpt-mini", tiedModel])
  func uniformPointsAreCovered(model source: String) async throws {
    let request = try Self.request(model: source)
    let search = StagedOperatorSearch(
      request: request, cluster: request.cluster.withDeviceCount(Self.devices),
      devices: Self.devices)
    let families = Self.families(layers: try request.model.graph(batchSize: 1).layerCount)
    let (frontiers, _, notes) = await search.frontiers(of: families)
    // Every stage search ran its workspace strata to the end (exact per stage).
    #expect(notes.isEmpty, "\(notes)")
    let evaluator = StrategyEvaluator(cluster: request.cluster.withDeviceCount(Self.devices))
    for (family, frontier) in zip(families, frontiers) {
      #expect(!frontier.isEmpty)
      #expect(frontier.allSatisfy { $0.strategy.pp == 2 && !$0.strategy.uniformLayout })
      var uniform = 0
      for dp in [1, 2] {
        let tp = 2 / dp
        guard 8 % (dp * family.microBatches) == 0 else { continue }
        for sp in tp > 1 ? [false, true] : [false] {
          let s = ParallelStrategy(
            dataParallel: dp, tensorParallel: tp, pipelineStages: 2,
            microBatchSize: 8 / (dp * family.microBatches), schedule: family.schedule,
            recomputation: family.recomputation, sequenceParallel: sp,
            zeroStage: family.zeroStage)
          let u = try evaluator.evaluate(
            model: request.model, globalBatchSize: 8, sequenceLength: request.seq, strategy: s)
          uniform += 1
          // The search's costs are rounded to 2⁻⁴⁰ s per node and edge: the uniform
          // layout itself comes back within 10⁻¹⁰ s of the evaluator's time.
          let covered = frontier.contains {
            $0.timeS <= u.timeS + 1e-10 && $0.memoryBytes <= u.memoryBytes * (1 + 1e-9)
          }
          #expect(
            covered,
            "dp\(dp) tp\(tp) sp=\(sp) m=\(family.microBatches): \(u.timeS) s, \(u.memoryBytes) B")
        }
      }
      #expect(uniform >= 2)
    }
  }

  @Test("the combination equals brute force over the stages' point choices (random costs)")
  func combinationEqualsBruteForceOnRandomCosts() {
    var state: UInt64 = 0x5EED
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    for _ in 0..<300 {
      let p = 2 + next(2)
      // Small integer costs: many ties, so the sweep's tie handling is exercised.
      let stages = (0..<p).map { _ in
        (0..<(1 + next(6))).map { _ in
          StageCost(
            work: Double(1 + next(9)), tail: Double(next(7)), memory: Double(1 + next(9)))
        }
      }
      let slots = Double(1 + next(5))
      let transfer = Double(next(3))
      let truth = Self.bruteForce(stages, slots: slots, transfer: transfer)
      let fast = PipelineCombination.frontier(stages, slots: slots, transfer: transfer)
      #expect(Self.pairs(fast) == truth)
      // Candidates beaten in work, tail and memory can go first.
      let thinned = stages.map { list in PipelineCombination.undominated(list).map { list[$0] } }
      #expect(
        Self.pairs(PipelineCombination.frontier(thinned, slots: slots, transfer: transfer))
          == truth)
    }
  }

  @Test("the combination equals brute force over the stages' FT points on gpt-mini")
  func combinationEqualsBruteForceOnGPTMini() throws {
    let request = try Self.request()
    let search = StagedOperatorSearch(
      request: request, cluster: request.cluster.withDeviceCount(Self.devices),
      devices: Self.devices)
    let item = try #require(search.prepare(Self.family(microBatches: 4, zero: 1)))
    let mesh = DeviceMesh([2])
    let candidates = item.stages.indices.map {
      search.candidates(of: item, stage: $0, mesh: mesh).points
    }
    #expect(candidates.allSatisfy { $0.count > 1 })
    for stage in candidates { for c in stage { #expect(c.cost.work > 0 && c.cost.memory > 0) } }
    let costs = candidates.map { $0.map(\.cost) }
    let fast = PipelineCombination.frontier(costs, slots: item.family.slots, transfer: 1e-5)
    #expect(Self.pairs(fast) == Self.bruteForce(costs, slots: item.family.slots, transfer: 1e-5))
  }

  @Test("a tied head on the last stage is a replica; both ends name the other stage")
  func tiedHeadBecomesAReplica() throws {
    let request = try Self.request(model: Self.tiedModel)
    let search = StagedOperatorSearch(
      request: request, cluster: request.cluster.withDeviceCount(Self.devices),
      devices: Self.devices)
    let item = try #require(search.prepare(Self.family(microBatches: 4, layers: 2)))
    #expect(item.stages.map(\.tiedPartners) == [["wte": 1], ["lm_head": 0]])
    let head = try #require(item.stages[1].graph.nodes.first { $0.name == "lm_head" }?.op)
    #expect(head.attributes.tiedTo == nil)
    #expect(item.stages.map(\.layers) == [[0, 1], [1, 2]])
  }

  @Test(
    "a pp2 FT point's time and memory, recomputed from its stages' configurations, match",
    arguments: ["gpt-mini", tiedModel])
  func pointRecomputesFromItsConfigurations(model source: String) async throws {
    let request = try Self.request(model: source)
    let cluster = request.cluster.withDeviceCount(Self.devices)
    let search = StagedOperatorSearch(request: request, cluster: cluster, devices: Self.devices)
    let family = Self.family(
      microBatches: 4, zero: 1, layers: try request.model.graph(batchSize: 1).layerCount)
    let (frontiers, _, _) = await search.frontiers(of: [family])
    let item = try #require(search.prepare(family))
    // The tied LM head's gradient is all-reduced between the stages' first devices.
    let ties = TiedWeight.ties(in: item.graph)
    var checked = 0
    for entry in frontiers[0] {
      let costs = try Self.recosted(
        entry, item: item, family: family, request: request, cluster: cluster, ties: ties)
      // The search rounds every node and edge cost to 2⁻⁴⁰ s (about 10⁻¹² s; a
      // stage has about a hundred), and weighs them by m + p − 1 = 5 slots where
      // re-costing weighs them by m = 4: agreement to 10⁻¹⁰ s.
      let match = costs.contains {
        abs($0.time - entry.timeS) <= 1e-10
          && abs($0.memory - entry.memoryBytes) <= 1e-9 * entry.memoryBytes
      }
      #expect(match, "\(entry.strategy.summary): \(entry.timeS) s, \(entry.memoryBytes) B")
      #expect(abs(entry.breakdown.time.total - entry.timeS) <= 1e-9 * entry.timeS)
      checked += 1
    }
    #expect(checked > 0)
  }

  @Test("the JSON of a plan with FT inside stages is byte-identical for 1 and 2 threads")
  func deterministicAcrossThreads() async throws {
    var texts: [Data] = []
    for threads in [1, 2] {
      let request = try Self.request(threads: threads)
      let search = StagedOperatorSearch(
        request: request, cluster: request.cluster.withDeviceCount(Self.devices),
        devices: Self.devices)
      let (frontiers, _, _) = await search.frontiers(of: Array(Self.families.prefix(2)))
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      texts.append(try encoder.encode(frontiers))
    }
    #expect(texts[0] == texts[1])
  }

  // MARK: - Helpers

  static func pairs(_ choices: [PipelineCombination.Choice]) -> [[Double]] {
    choices.map { [$0.time, $0.memory] }
  }

  /// Every choice of one candidate per stage, costed directly, non-dominated
  /// (time, memory) pairs by time.
  static func bruteForce(_ stages: [[StageCost]], slots: Double, transfer: Double) -> [[Double]] {
    var all: [[Double]] = []
    func visit(_ stage: Int, _ work: Double, _ tail: Double, _ memory: Double) {
      guard stage < stages.count else {
        all.append([slots * (work + transfer) + tail, memory])
        return
      }
      for c in stages[stage] {
        visit(stage + 1, max(work, c.work), max(tail, c.tail), max(memory, c.memory))
      }
    }
    visit(0, 0, 0, 0)
    let front = all.filter { a in
      !all.contains { b in b[0] <= a[0] && b[1] <= a[1] && (b[0] < a[0] || b[1] < a[1]) }
    }
    return Array(Set(front)).sorted { $0[0] < $1[0] }
  }

  /// The (time, memory) of a pp2 entry re-costed from its stages'
  /// configurations, one per wire layout the activation may cross in: the
  /// stages' costs from `Strategy.cost` and the cost model's breakdowns, the
  /// re-layouts and transfer priced here, the schedule's formulas
  /// (`(m + 1) · (max work + transfer) + max tail`, `max memory`).
  static func recosted(
    _ entry: PlanEntry, item: StagedOperatorSearch.Prepared, family: PipelineFamily,
    request: PlanRequest, cluster: Cluster, ties: [TiedWeight]
  ) throws -> [(time: Double, memory: Double)] {
    let m = family.microBatches
    let stages = entry.strategy.stages
    let mesh = DeviceMesh(entry.strategy.stageMesh)
    // The layouts stage 0 leaves the crossing activation in and stage 1 reads it in.
    let cut = item.graph.tensors[try #require(item.stages[0].output)]
    let cutIn = item.graph.tensors[try #require(item.stages[1].input)].name
    let leaves = try Self.layout(try #require(stages[0].tensors[cut.name]))
    let reads = try Self.layout(try #require(stages[1].tensors[cutIn]))
    var models: [AnalyticalStageCost] = []
    var works: [Double] = []
    var tails: [Double] = []
    var memories: [Double] = []
    for (index, stage) in stages.enumerated() {
      let graph = item.stages[index].graph
      let inFlight = family.schedule.inFlightMicroBatches(
        stage: index, stages: 2, microBatches: m)
      let model = AnalyticalStageCost(
        mesh: mesh, cluster: cluster, firstDevice: index * mesh.deviceCount,
        options: TrainingOptions(
          dtype: request.dtype, optimizer: request.optimizer, zeroStage: family.zeroStage,
          recomputation: family.recomputation, microBatchCount: m,
          inFlightMicroBatches: inFlight))
      models.append(model)
      let strategy = try Self.strategy(of: stage, mesh: mesh, graph: graph)
      let total = try strategy.cost(in: graph, costModel: model)
      // Tail and workspace per operator, from the cost model's breakdowns.
      var tail = 0.0
      var allReduce = 0.0
      var workspace = 0.0
      for node in graph.nodes {
        switch node.content {
        case .op:
          let c = model.breakdown(
            of: node, in: graph, configuration: strategy.operators[node.name]!,
            insideBlock: false)
          tail += c.gradientSyncExposed + c.optimizerStep
          workspace = max(workspace, c.workspaceBytes)
          for tie in ties
          where [item.graph.nodes[tie.owner].name, item.graph.nodes[tie.tied].name]
            .contains(node.name)
          {
            #expect(c.parameters > 0)
            allReduce += model.tiedGradientAllReduce(
              parameters: c.parameters, partnerFirstDevice: (1 - index) * mesh.deviceCount)
          }
        case .block(let block):
          for body in block.body.nodes {
            for configuration in strategy.blocks[node.name]!.operators[body.name]! {
              let c = model.breakdown(
                of: body, in: block.body, configuration: configuration, insideBlock: true)
              tail += c.gradientSyncExposed + c.optimizerStep
              workspace = max(workspace, c.workspaceBytes)
            }
          }
        }
      }
      // `Strategy.cost` holds m micro-batches of work and the operators' tails;
      // the tied all-reduce is the pipeline's, in the tail.
      works.append((total.time - tail) / Double(m))
      tails.append(tail + allReduce)
      memories.append(total.memory + workspace)
    }
    // The activation crosses in some wire layout: the stage whose own layout
    // differs re-lays it (forward and backward, per micro-batch); the transfer
    // sends each device's share, split over the wire's replicated axes and
    // all-gathered along them, forward and backward. Some wire gives the entry.
    let bytes = cut.byteCount(floatBytes: request.dtype.activationBytes)
    var costs: [(time: Double, memory: Double)] = []
    for wire in TensorLayout.candidates(for: cut.shape, on: mesh) {
      var work = works
      if leaves != wire {
        work[0] += models[0].relayoutTime(
          of: cut, from: leaves, to: wire, gradientFrom: wire, gradientTo: leaves)
      }
      if reads != wire {
        work[1] += models[1].relayoutTime(
          of: cut, from: wire, to: reads, gradientFrom: reads, gradientTo: wire)
      }
      let replicated = mesh.shape.indices.filter {
        mesh.shape[$0] > 1 && wire.splitAxis[$0] == nil
      }
      let shares = Double(replicated.reduce(1) { $0 * mesh.shape[$1] })
      let local = wire.localBytes(bytes, mesh: mesh)
      let gather =
        replicated.isEmpty
        ? 0
        : cluster.collectiveTime(
          .allGather, bytes: local, group: models[0].group(alongAxes: replicated))
      let transfer =
        2
        * (cluster.collectiveTime(
          .sendReceive, bytes: local / shares, group: cluster.group([0, mesh.deviceCount]))
          + gather)
      costs.append((Double(m + 1) * (work.max()! + transfer) + tails.max()!, memories.max()!))
    }
    return costs
  }

  /// A layout from its description (`"S0,R"`).
  static func layout(_ text: String) throws -> TensorLayout {
    let parts = text.split(separator: ",")
    return TensorLayout(
      splitAxis: parts.map { $0.hasPrefix("S") ? Int($0.dropFirst()) : nil },
      isPartial: parts.map { $0 == "P" })
  }

  /// The search strategy a plan stage spells out.
  static func strategy(of stage: PlanStage, mesh: DeviceMesh, graph: Graph) throws -> Strategy {
    var strategy = Strategy(mesh: mesh)
    strategy.operators = stage.operators.mapValues { OpConfiguration(parsing: $0) }
    strategy.tensors = try stage.tensors.mapValues(layout)
    for node in graph.nodes {
      guard let block = node.block, let choices = stage.blocks[node.name] else { continue }
      var operators: [String: [OpConfiguration]] = [:]
      for body in block.body.nodes {
        operators[body.name] = choices.configurations(of: body.name)?.map {
          OpConfiguration(parsing: $0)
        }
      }
      let boundaries = try choices.boundaries.flatMap {
        Array(repeating: try layout($0.value), count: $0.count)
      }
      strategy.blocks[node.name] = BlockStrategy(
        repeatCount: block.repeatCount, operators: operators, boundaries: boundaries)
    }
    return strategy
  }
}
