import TensorOptCost
import TensorOptGraph

/// The outer search space for one device count: every factorisation devices =
/// pp × dp × tp (tensor-parallel groups on consecutive devices, so inside a node
/// when tp divides the node size), micro-batch size, schedule (GPipe, 1F1B,
/// interleaved 1F1B with v chunks), recomputation, sequence parallelism and ZeRO
/// stage, without the combinations that cannot run, cannot fit or cannot win.
struct OuterSpace {
  /// Combinations that differ only in schedule and interleave factor.
  struct Group {
    /// The combination with the first schedule.
    var base: ParallelStrategy
    /// The schedules and interleave factors to cost.
    var schedules: [(schedule: PipelineSchedule, interleave: Int)]
  }

  /// Groups that differ only in micro-batch size, by increasing size: peak memory
  /// with uniform layouts does not decrease with it, so once one cannot fit the
  /// larger cannot either with uniform layouts (per-operator layouts may: see
  /// ``ScreenedFamily/uncosted``).
  struct Family {
    var groups: [Group]
  }

  /// The families to cost, in a fixed order.
  var families: [Family] = []
  /// Combinations skipped, by reason.
  var pruned: [String: Int] = [:]
  /// Combinations in ``families``.
  var enumerated = 0

  /// Enumerates the space of `request` on `devices` devices for a model of
  /// `layers` repeated layers and `parameters` trainable parameters.
  init(request: PlanRequest, devices: Int, layers: Int, parameters: Double) {
    let batch = request.batch
    let state = StateBytes(dtype: request.dtype, optimizer: request.optimizer)
    let limit = request.memoryLimit
    for pp in Self.divisors(of: devices) {
      if let maximum = request.maxPipelineStages, pp > maximum {
        skip("pp above --max-pp")
        continue
      }
      if pp > 1, layers < pp {
        skip("fewer layers than pp stages")
        continue
      }
      for tp in Self.divisors(of: devices / pp) {
        if let maximum = request.maxTensorParallel, tp > maximum {
          skip("tp above --max-tp")
          continue
        }
        let dp = devices / (pp * tp)
        guard batch % dp == 0 else {
          skip("batch does not divide into dp replicas")
          continue
        }
        let sizes = Self.divisors(of: batch / dp)
        for recompute in Recomputation.allCases {
          for sp in tp > 1 ? [false, true] : [false] {
            for zero in 0...3 {
              if zero > 0, dp * tp == 1 {
                skip("ZeRO on a single-device stage changes nothing", count: sizes.count)
                continue
              }
              // Model states alone: at least P/(pp·tp) parameters per device
              // (the average stage, split at most tp ways), ZeRO-sharded dp ways.
              // Also a bound on every per-operator layout of FT inside stages:
              // its family (pp, micro-batches, schedule, recomputation, ZeRO)
              // is met from every (dp, tp) with dp·tp = N/pp, this test is
              // weakest at dp = 1, tp = N/pp, P/(pp·tp) · (weights + gradients
              // + optimizer), and that is a floor of every stage layout: an
              // operator's local parameters are its own over its split, its
              // ZeRO shards over its replica group, split · replicas ≤ N/pp;
              // the stages hold every parameter (a tied weight's replica
              // holds it again, vocabulary padding only adds), so the largest
              // holds at least P/pp; activations and workspace only add.
              let shard = parameters / Double(pp * tp)
              let d = Double(dp)
              let states =
                shard
                * (state.weights / (zero >= 3 ? d : 1) + state.gradients / (zero >= 2 ? d : 1)
                  + state.optimizer / (zero >= 1 ? d : 1))
              if states > limit {
                skip("model states alone exceed the memory limit", count: sizes.count)
                continue
              }
              var family = Family(groups: [])
              for mb in sizes {
                let m = batch / (dp * mb)
                var schedules: [(schedule: PipelineSchedule, interleave: Int)] = [
                  (.oneForwardOneBackward, 1)
                ]
                if pp > 1 {
                  schedules.insert((.gpipe, 1), at: 0)
                  for v in [2, 3, 4, 6, 8] where layers % (pp * v) == 0 && m % pp == 0 {
                    schedules.append((.oneForwardOneBackward, v))
                  }
                } else {
                  skip("gpipe without pipelining equals 1f1b with more memory")
                }
                enumerated += schedules.count
                family.groups.append(
                  Group(
                    base: ParallelStrategy(
                      dataParallel: dp, tensorParallel: tp, pipelineStages: pp, microBatchSize: mb,
                      schedule: schedules[0].schedule, interleave: schedules[0].interleave,
                      recomputation: recompute, sequenceParallel: sp, zeroStage: zero,
                      dtype: request.dtype, optimizer: request.optimizer,
                      padsVocabulary: request.padsVocabulary),
                    schedules: schedules))
              }
              families.append(family)
            }
          }
        }
      }
    }
  }

  /// Every group, family by family.
  var groups: [Group] { families.flatMap(\.groups) }

  private mutating func skip(_ reason: String, count: Int = 1) {
    pruned[reason, default: 0] += count
  }

  /// The divisors of `n`, increasing.
  static func divisors(of n: Int) -> [Int] {
    guard n > 0 else { return [] }
    return (1...n).filter { n % $0 == 0 }
  }
}

extension OuterSpace.Group {
  /// The group's combinations.
  var strategies: [ParallelStrategy] {
    schedules.map { variant in
      var s = base
      s.schedule = variant.schedule
      s.interleave = variant.interleave
      return s
    }
  }
}
