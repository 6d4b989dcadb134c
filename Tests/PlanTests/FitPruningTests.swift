import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan
@testable import TensorOptSearch

/// Pruning what cannot fit is sound for FT inside pipeline stages: a pipelined
/// family met only past a uniform cut (the micro-batch sizes after the first
/// at which no uniform strategy fits) is dropped only when a lower bound on the
/// memory of every per-operator layout is over the limit
/// (`StagedOperatorSearch.cannotFit`); otherwise it is searched or bounded like
/// any other family.
@Suite("Pruning what cannot fit is sound for FT inside pipeline stages")
struct FitPruningTests {
  typealias Base = FTInsidePipelineStagesTests

  /// The tied 2-layer GPT with one attention head, 256 wide, 128 tokens: with
  /// one head, Megatron's tensor parallelism replicates the attention (its
  /// scores), data parallelism replicates the weights, and per-operator layouts
  /// shard both.
  static func oneHeadModel() throws -> String {
    try writeModelVariant(of: Base.tiedModel, name: "tiny-tied-gpt-1-head") { json in
      var dims = try #require(json["dims"] as? [String: Any])
      dims["hidden"] = 256
      dims["heads"] = 1
      dims["qkv"] = 768
      dims["ffn"] = 1024
      dims["positions"] = 128
      json["dims"] = dims
      var training = try #require(json["training"] as? [String: Any])
      training["sequence_length"] = 128
      json["training"] = training
    }
  }

  /// The pipelined families (without their splits) of the combinations the
  /// uniform screening costs, and of those it leaves uncosted past a cut, over
  /// the outer space's families whose first combination `include` accepts.
  static func screenedShapes(
    _ request: PlanRequest, devices: Int, include: (ParallelStrategy) -> Bool
  ) async throws -> (met: Set<PipelineFamily>, uncosted: Set<PipelineFamily>) {
    let base = try request.model.graph(batchSize: 1, sequenceLength: request.seq)
    let space = OuterSpace(
      request: request, devices: devices, layers: base.layerCount,
      parameters: Double(base.totalMetrics(floatBytes: request.dtype.activationBytes).parameters))
    let graphs = try await GraphCache.build(for: space.groups.map(\.base), request: request)
    let screen = UniformPipelineCost(cluster: request.cluster.withDeviceCount(devices))
    let planner = Planner(request)
    var cache: [UniformPipelineCost.LayoutKey: UniformPipelineCost.Layouts] = [:]
    var (met, uncosted) = (Set<PipelineFamily>(), Set<PipelineFamily>())
    for family in space.families {
      guard let first = family.groups.first?.base, include(first) else { continue }
      let screened = screen.screen(family, graphs: graphs, request: request, cache: &cache)
      for s in screened.combinations.map(\.strategy) {
        if let f = planner.pipelineFamily(of: s, layers: base.layerCount) {
          met.insert(f.withoutSplit)
        }
      }
      for s in screened.uncosted {
        if let f = planner.pipelineFamily(of: s, layers: base.layerCount) {
          uncosted.insert(f.withoutSplit)
        }
      }
    }
    return (met, uncosted)
  }

  @Test(
    "a family past every uniform cut has a fitting pipeline (the old drop was unproven); the floor keeps it"
  )
  func familyPastEveryUniformCutFits() async throws {
    let path = try Self.oneHeadModel()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let model = try ModelLoader.load(path)
    let limit = 8_200_000.0
    let cluster = ClusterPreset.h100.cluster(devices: 8)
    let request = PlanRequest(
      model: model, modelSource: path, cluster: cluster, memoryLimitBytes: limit, threads: 2,
      search: .ft, operatorSearch: .always)
    // pp2 (4 devices per stage), 1 micro-batch, 1F1B, selective recomputation, ZeRO-1.
    let family = try #require(
      PipelineFamily(
        ParallelStrategy(
          dataParallel: 1, tensorParallel: 4, pipelineStages: 2, microBatchSize: 8,
          recomputation: .selective, zeroStage: 1),
        microBatches: 1, layers: 2))
    // The screening never costs it: every (dp, tp, sp) stops before 1 micro-batch.
    let shapes = try await Self.screenedShapes(request, devices: 8) {
      $0.pipelineStages == 2 && $0.recomputation == .selective && $0.zeroStage == 1
    }
    #expect(!shapes.met.contains(family.withoutSplit))
    #expect(shapes.uncosted.contains(family.withoutSplit))
    // No uniform strategy of it, nor of 2 micro-batches, fits (the evaluator).
    let evaluator = StrategyEvaluator(cluster: cluster)
    for (dp, tp, sp) in [(4, 1, false), (2, 2, false), (2, 2, true), (1, 4, false), (1, 4, true)] {
      for m in [1, 2] {
        for schedule in [PipelineSchedule.gpipe, .oneForwardOneBackward] {
          let s = ParallelStrategy(
            dataParallel: dp, tensorParallel: tp, pipelineStages: 2, microBatchSize: 8 / (dp * m),
            schedule: schedule, recomputation: .selective, sequenceParallel: sp, zeroStage: 1)
          let evaluation = try evaluator.evaluate(
            model: model, globalBatchSize: 8, sequenceLength: request.seq, strategy: s)
          #expect(evaluation.memoryBytes > limit, "\(dp) \(tp) \(sp) \(m) \(schedule)")
        }
      }
    }
    // The memory floor does not rule it out, and its search finds a pipeline that fits.
    let search = StagedOperatorSearch(request: request, cluster: cluster, devices: 8)
    var memo = StagedOperatorSearch.FloorMemo()
    let floor = try #require(
      search.memoryFloor(of: family, searchingBody: true, memo: &memo))
    #expect(floor <= limit)
    #expect(!search.cannotFit(family.withoutSplit, memo: &memo))
    let found = await search.splitFrontiers(of: [family])
    let lean = try #require(found.entries[0].min { $0.memoryBytes < $1.memoryBytes })
    #expect(lean.memoryBytes <= limit)
    #expect(floor * (1 - StagedOperatorSearch.floorMargin) <= lean.memoryBytes)
    // Its cost, re-summed from its stages' configurations.
    let graph = try #require(search.graph(for: family))
    let item = try #require(search.prepare(family.with(split: [1, 1]), graph: graph))
    let costs = try Base.recosted(
      lean, item: item, family: family, request: request, cluster: cluster,
      ties: TiedWeight.ties(in: graph))
    #expect(
      costs.contains {
        abs($0.time - lean.timeS) <= 1e-10
          && abs($0.memory - lean.memoryBytes) <= 1e-9 * lean.memoryBytes
      })
  }

  @Test("the memory floor and the model-states bound are below every pipeline of every family")
  func memoryFloorIsBelowEveryPipeline() async throws {
    let model = try ModelLoader.load(Base.tiedModel)
    let cluster = ClusterPreset.h100.cluster(devices: 4)
    let request = PlanRequest(
      model: model, modelSource: Base.tiedModel, cluster: cluster, threads: 2)
    // The fewest and the most micro-batches, without and with ZeRO-3.
    let families = try FamilyBoundTests.familiesOfTheSpace(request, devices: 4).filter {
      [1, 8].contains($0.microBatches) && [0, 3].contains($0.zeroStage)
    }
    #expect(families.count >= 8)
    let search = StagedOperatorSearch(request: request, cluster: cluster, devices: 4)
    let found = await search.splitFrontiers(of: families, pruning: false)
    let evaluator = StrategyEvaluator(cluster: cluster)
    let base = try model.graph(batchSize: 1, sequenceLength: request.seq)
    let parameters = Double(base.totalMetrics(floatBytes: request.dtype.activationBytes).parameters)
    let state = StateBytes(dtype: request.dtype, optimizer: request.optimizer)
    var memo = StagedOperatorSearch.FloorMemo()
    var checked = 0
    for (family, entries) in zip(found.families, found.entries) {
      // Every pipeline FT finds over every split and mesh, and every uniform one.
      var memories = entries.map(\.memoryBytes)
      let n = 4 / family.stages
      for tp in OuterSpace.divisors(of: n) {
        let dp = n / tp
        guard request.batch % (dp * family.microBatches) == 0 else { continue }
        for sp in tp > 1 ? [false, true] : [false] {
          for split in PipelineFamily.splits(layers: base.layerCount, stages: family.stages) {
            let s = ParallelStrategy(
              dataParallel: dp, tensorParallel: tp, pipelineStages: family.stages,
              microBatchSize: request.batch / (dp * family.microBatches),
              schedule: family.schedule, recomputation: family.recomputation,
              sequenceParallel: sp, zeroStage: family.zeroStage, stageLayers: split)
            memories.append(
              try evaluator.evaluate(
                model: model, globalBatchSize: request.batch, sequenceLength: request.seq,
                strategy: s
              ).memoryBytes)
          }
        }
      }
      let least = try #require(memories.min())
      for searchingBody in [false, true] {
        let floor = try #require(
          search.memoryFloor(of: family, searchingBody: searchingBody, memo: &memo))
        #expect(floor * (1 - StagedOperatorSearch.floorMargin) <= least, "\(family)")
      }
      // The outer space's test at dp = 1, tp = N/pp: P/(pp·tp) parameters' states.
      let states = parameters / Double(family.stages * n) * state.total
      #expect(states <= least, "\(family)")
      checked += memories.count
    }
    #expect(checked >= 2 * families.count)
  }

  @Test(
    "dropping families by the memory floor leaves the frontier unchanged; the plan is the same for 1 and 2 threads"
  )
  func droppingUnfitFamiliesKeepsTheFrontier() async throws {
    // Shared with `FamilyBoundTests` (the same plans under the same limit).
    let limit = TiedModelPlans.limit
    let dropped = try await TiedModelPlans.plan(memoryLimit: limit, threads: 1)
    let every = try await TiedModelPlans.plan(memoryLimit: limit, dropping: false)
    #expect(dropped.frontier == every.frontier)
    let pruned = dropped.statistics.pruned
    #expect((pruned[Planner.unfitNote] ?? 0) > 0)
    #expect((pruned[Planner.perOperatorNote] ?? 0) > 0)
    #expect(every.statistics.pruned[Planner.unfitNote] == nil)
    // The same combinations past the cuts, split differently.
    let notes = [Planner.unfitNote, Planner.perOperatorNote, Planner.uniformCutNote]
    func total(_ result: PlanResult) -> Int {
      notes.reduce(0) { $0 + (result.statistics.pruned[$1] ?? 0) }
    }
    #expect(total(dropped) == total(every))
    // Byte-identical with 2 threads.
    let two = try await TiedModelPlans.plan(memoryLimit: limit)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    #expect(try encoder.encode(dropped) == encoder.encode(two))
  }
}
