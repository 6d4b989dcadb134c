import Foundation
import Testing

@testable import TensorOptCost
@testable import TensorOptGraph
@testable import TensorOptImport
@testable import TensorOptPlan
@testable import TensorOptSearch

/// FT inside pipeline stages over every split of a family's layers
/// (`StagedOperatorSearch.splitFrontiers`), against the per-split search.
@Suite("FT inside pipeline stages over every split")
struct StageSplitSearchTests {
  typealias Base = FTInsidePipelineStagesTests

  static func search(
    model source: String = "gpt-mini", devices: Int = Base.devices, threads: Int = 2
  ) throws -> StagedOperatorSearch {
    let model = try ModelLoader.load(source)
    let request = PlanRequest(
      model: model, modelSource: source,
      cluster: ClusterPreset.a100With80GB.cluster(devices: devices), threads: threads)
    return StagedOperatorSearch(
      request: request, cluster: request.cluster.withDeviceCount(devices), devices: devices)
  }

  /// The (time, memory) pairs no other pair beats (weakly in both, strictly in
  /// one), each once, by time: a direct pairwise check.
  static func paretoPairs(_ entries: [PlanEntry]) -> [[Double]] {
    let all = entries.map { [$0.timeS, $0.memoryBytes] }
    let front = all.filter { a in
      !all.contains { b in b[0] <= a[0] && b[1] <= a[1] && (b[0] < a[0] || b[1] < a[1]) }
    }
    return Array(Set(front)).sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
  }

  /// The layers per stage of a point, from its plan stages.
  static func split(of entry: PlanEntry) -> [Int] {
    entry.strategy.stages.map { $0.layers[0][1] - $0.layers[0][0] }
  }

  @Test("the splits of 5 layers into 3 stages are the 6 compositions; counts are binomials")
  func splitEnumeration() {
    #expect(
      PipelineFamily.splits(layers: 5, stages: 3) == [
        [1, 1, 3], [1, 2, 2], [1, 3, 1], [2, 1, 2], [2, 2, 1], [3, 1, 1],
      ])
    #expect(PipelineFamily.splits(layers: 12, stages: 2).count == 11)
    #expect(PipelineFamily.splits(layers: 2, stages: 3).isEmpty)
    for (layers, stages) in [(5, 3), (7, 4), (6, 1), (8, 8)] {
      #expect(
        PipelineFamily.splitCount(layers: layers, stages: stages)
          == PipelineFamily.splits(layers: layers, stages: stages).count)
    }
    // C(11, 1), C(23, 3), C(95, 63) ≈ 1.9·10²⁵ (saturates).
    #expect(PipelineFamily.splitCount(layers: 12, stages: 2) == 11)
    #expect(PipelineFamily.splitCount(layers: 24, stages: 4) == 1771)
    #expect(PipelineFamily.splitCount(layers: 96, stages: 64) == Int.max)
  }

  @Test(
    "a family's stage ranges are those of its splits, each stage as the splits holding it cut it",
    arguments: ["gpt-mini", "tiny-tied-gpt with 4 layers"])
  func stageRangesAreThoseOfTheSplits(model name: String) throws {
    // The tied model with 4 layers: pp3 puts its head on stage 2, which a
    // stage cut from two chunks must renumber.
    let tied = name != "gpt-mini"
    let source =
      tied
      ? try writeModelVariant(of: Base.tiedModel, name: "tiny-tied-gpt-4") { json in
        var ops = try #require(json["ops"] as? [[String: Any]])
        let index = try #require(ops.firstIndex { $0["name"] as? String == "layers" })
        ops[index]["repeat"] = 4
        json["ops"] = ops
      } : name
    defer { if tied { try? FileManager.default.removeItem(atPath: source) } }
    let search = try Self.search(model: source, devices: 6)
    let layers = try search.request.model.graph(batchSize: 1).layerCount
    let strategy = ParallelStrategy(
      dataParallel: 1, tensorParallel: 2, pipelineStages: min(3, layers), microBatchSize: 2)
    let family = try #require(PipelineFamily(strategy, microBatches: 4, layers: layers))
    let p = family.stages
    let layout = try #require(search.stageRanges(of: family.withoutSplit))
    let graph = try #require(search.graph(for: family))
    let splits = PipelineFamily.splits(layers: layers, stages: p)
    #expect(layout.searchableSplits == splits.count && layout.splitCount == splits.count)
    var expected = [Set<[Int]>](repeating: [], count: p)
    for split in splits {
      let item = try #require(search.prepare(family.with(split: split), graph: graph))
      for (stage, cut) in item.stages.enumerated() {
        expected[stage].insert(cut.layers)
        // The range's own stage graph is the one this split cuts.
        let index = try #require(
          layout.ranges[stage].firstIndex {
            [$0.start, $0.end] == cut.layers
          })
        let own = layout.items[stage][index].stages[stage]
        #expect(own.graph == cut.graph && own.input == cut.input && own.output == cut.output)
        #expect(own.tiedPartners == cut.tiedPartners && own.repetitions == cut.repetitions)
      }
    }
    #expect(layout.ranges.map { Set($0.map { [$0.start, $0.end] }) } == expected)
    // A tied model's first and last stages name each other.
    if tied {
      #expect(layout.items[0].allSatisfy { Set($0.stages[0].tiedPartners.values) == [p - 1] })
      #expect(layout.items[p - 1].allSatisfy { Set($0.stages[p - 1].tiedPartners.values) == [0] })
    }
  }

  @Test(
    "every point of the frontier split's result is on or behind the all-splits frontier",
    arguments: ["gpt-mini", Base.tiedModel])
  func allSplitsCoverTheFrontierSplit(model source: String) async throws {
    let search = try Self.search(model: source)
    let layers = try search.request.model.graph(batchSize: 1).layerCount
    let families = Base.families(layers: layers)
    let old = await search.frontiers(of: families)
    let new = await search.splitFrontiers(of: families)
    #expect(new.families == families.map(\.withoutSplit))
    // Every stage search ran its workspace strata to the end.
    #expect(
      new.notes.keys.allSatisfy { $0 == StagedOperatorSearch.boundNote }, "\(new.notes)")
    for (before, after) in zip(old.entries, new.entries) {
      #expect(!after.isEmpty)
      for point in before {
        #expect(
          after.contains { $0.timeS <= point.timeS && $0.memoryBytes <= point.memoryBytes },
          "\(point.strategy.summary)")
      }
    }
  }

  @Test("the all-splits frontier is the Pareto set of the per-split searches of every split")
  func allSplitsEqualBruteForceOverSplits() async throws {
    let search = try Self.search()
    let families = Array(Base.families.prefix(3))
    let new = await search.splitFrontiers(of: families)
    for (family, frontier) in zip(families, new.entries) {
      // gpt-mini's 4 layers in 2 stages: 1 + 3, 2 + 2, 3 + 1.
      let splits = [[1, 3], [2, 2], [3, 1]].map { family.with(split: $0) }
      let perSplit = await search.frontiers(of: splits)
      #expect(perSplit.entries.allSatisfy { !$0.isEmpty })
      let truth = Self.paretoPairs(Array(perSplit.entries.joined()))
      #expect(frontier.map { [$0.timeS, $0.memoryBytes] } == truth)
      // Each point's strategy is its split's: the per-split search has it.
      for point in frontier {
        let index = try #require(splits.firstIndex { $0.stageLayers == Self.split(of: point) })
        #expect(
          perSplit.entries[index].contains {
            $0.timeS == point.timeS && $0.memoryBytes == point.memoryBytes
              && $0.strategy == point.strategy
          })
      }
    }
  }

  @Test("stages with equal repetitions and ends are searched once across splits (pp3)")
  func sharedStageProblemsAreSearchedOnce() async throws {
    // 6 devices: 2 per stage, one mesh ([2]). Splits of 4 layers into 3 stages:
    // [1,1,2], [1,2,1], [2,1,1]. Distinct (stage, repetitions): stage 0 holds 1 or
    // 2, stage 1 holds 1 or 2, stage 2 holds 2 or 1 — 6 problems for 9 stages.
    let search = try Self.search(devices: 6)
    let strategy = ParallelStrategy(
      dataParallel: 1, tensorParallel: 2, pipelineStages: 3, microBatchSize: 2)
    let family = try #require(PipelineFamily(strategy, microBatches: 4, layers: 4))
    let result = await search.splitFrontiers(of: [family])
    #expect(DeviceMesh.shapes(deviceCount: 2).count == 1)
    #expect(result.searches == 6)
    #expect(
      Set(result.entries[0].map(Self.split)).isSubset(of: [[1, 1, 2], [1, 2, 1], [2, 1, 1]]))
    // The same frontier as the per-split searches (9 stage searches).
    let perSplit = await search.frontiers(
      of: [[1, 1, 2], [1, 2, 1], [2, 1, 1]].map { family.with(split: $0) })
    #expect(perSplit.searches == 9)
    #expect(
      result.entries[0].map { [$0.timeS, $0.memoryBytes] }
        == Self.paretoPairs(Array(perSplit.entries.joined())))
  }

  @Test("every all-splits pp2 point re-costs from its stages' configurations")
  func allSplitsPointsRecost() async throws {
    let search = try Self.search()
    let family = Base.family(microBatches: 4, zero: 1)
    let result = await search.splitFrontiers(of: [family])
    let graph = try #require(search.graph(for: family))
    var splits: Set<[Int]> = []
    for entry in result.entries[0] {
      let split = Self.split(of: entry)
      splits.insert(split)
      let item = try #require(search.prepare(family.with(split: split), graph: graph))
      let costs = try Base.recosted(
        entry, item: item, family: family, request: search.request, cluster: search.cluster,
        ties: TiedWeight.ties(in: graph))
      #expect(
        costs.contains {
          abs($0.time - entry.timeS) <= 1e-10
            && abs($0.memory - entry.memoryBytes) <= 1e-9 * entry.memoryBytes
        }, "\(entry.strategy.summary)")
    }
    #expect(!splits.isEmpty)
  }

  @Test("leaving out the splits the bound rules out leaves every family's frontier unchanged")
  func boundPruningIsExact() async throws {
    let search = try Self.search()
    let all = await search.splitFrontiers(of: Base.families, pruning: false)
    let pruned = await search.splitFrontiers(of: Base.families)
    #expect(all.notes[StagedOperatorSearch.boundNote] == nil)
    // The bound does rule ranges out here (else this test would prove nothing).
    #expect((pruned.notes[StagedOperatorSearch.boundNote] ?? 0) > 0)
    #expect(pruned.searches <= all.searches)
    for (a, b) in zip(all.entries, pruned.entries) {
      #expect(a.map { [$0.timeS, $0.memoryBytes] } == b.map { [$0.timeS, $0.memoryBytes] })
      #expect(a.map(\.strategy) == b.map(\.strategy))
    }
  }

  @Test("the all-splits frontiers' JSON is byte-identical for 1 and 2 threads")
  func deterministicAcrossThreads() async throws {
    var texts: [Data] = []
    for threads in [1, 2] {
      let search = try Self.search(threads: threads)
      let result = await search.splitFrontiers(of: Array(Base.families.prefix(2)), pruning: false)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      texts.append(try encoder.encode(result.entries))
    }
    #expect(texts[0] == texts[1])
  }

  @Test("from a lopsided split, the search finds another split's pipelines that beat all of its")
  func anotherSplitWins() async throws {
    let search = try Self.search()
    let family = Base.family(microBatches: 4, zero: 1).with(split: [1, 3])
    let own = await search.frontiers(of: [family])
    let all = await search.splitFrontiers(of: [family])
    let others = all.entries[0].filter { Self.split(of: $0) != [1, 3] }
    #expect(!others.isEmpty)
    // Each point of the [1, 3] pipelines is beaten outright by another split's.
    for point in own.entries[0] {
      #expect(
        others.contains {
          $0.timeS < point.timeS && $0.memoryBytes <= point.memoryBytes
        }, "\(point.strategy.summary)")
    }
  }
}
