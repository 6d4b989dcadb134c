import TensorOptCost
import TensorOptGraph

/// The outer search space for one device count: every factorisation devices =
/// pp × dp × tp (tensor-parallel groups on consecutive devices, so inside a node
/// when tp divides the node size), micro-batch size, schedule (GPipe, 1F1B,
/// interleaved 1F1B with v chunks), recomputation, sequence parallelism and ZeRO
/// stage, without the combinations that cannot run or cannot win.
struct OuterSpace {
  /// The combinations to cost, in a fixed order.
  var strategies: [ParallelStrategy] = []
  /// Combinations skipped, by reason.
  var pruned: [String: Int] = [:]
  /// Every combination enumerated (costed or pruned).
  var enumerated = 0

  /// Enumerates the space of `request` on `devices` devices for a model of
  /// `layers` repeated layers.
  init(request: PlanRequest, devices: Int, layers: Int) {
    let batch = request.batch
    for pp in Self.divisors(of: devices) {
      if let limit = request.maxPipelineStages, pp > limit {
        skip("pp above --max-pp", count: 1)
        continue
      }
      if pp > 1, layers == 0 || layers % pp != 0 {
        skip("layers do not divide into pp stages", count: 1)
        continue
      }
      for tp in Self.divisors(of: devices / pp) {
        if let limit = request.maxTensorParallel, tp > limit {
          skip("tp above --max-tp", count: 1)
          continue
        }
        let dp = devices / (pp * tp)
        guard batch % dp == 0 else {
          skip("batch does not divide into dp replicas", count: 1)
          continue
        }
        for mb in Self.divisors(of: batch / dp) {
          let m = batch / (dp * mb)
          var schedules: [(PipelineSchedule, Int)] = [(.oneForwardOneBackward, 1)]
          if pp > 1 {
            schedules.insert((.gpipe, 1), at: 0)
            for v in [2, 3, 4, 6, 8] where layers % (pp * v) == 0 && m % pp == 0 {
              schedules.append((.oneForwardOneBackward, v))
            }
          } else {
            skip("gpipe without pipelining equals 1f1b with more memory", count: 1)
          }
          if pp > 1, m < pp {
            // Fewer micro-batches than stages: the bubble dominates; still a valid strategy.
          }
          for (schedule, v) in schedules {
            for recompute in Recomputation.allCases {
              for sp in tp > 1 ? [false, true] : [false] {
                for zero in 0...3 {
                  enumerated += 1
                  strategies.append(
                    ParallelStrategy(
                      dataParallel: dp, tensorParallel: tp, pipelineStages: pp, microBatchSize: mb,
                      schedule: schedule, interleave: v, recomputation: recompute,
                      sequenceParallel: sp, zeroStage: zero, dtype: request.dtype,
                      optimizer: request.optimizer, padsVocabulary: request.padsVocabulary))
                }
              }
            }
          }
        }
      }
    }
  }

  private mutating func skip(_ reason: String, count: Int) {
    pruned[reason, default: 0] += count
  }

  /// The divisors of `n`, increasing.
  static func divisors(of n: Int) -> [Int] {
    guard n > 0 else { return [] }
    return (1...n).filter { n % $0 == 0 }
  }
}
