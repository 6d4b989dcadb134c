/// A pipeline schedule: how micro-batches flow through `p` stages.
///
/// Formulas from Narayanan et al. 2021 ("Efficient Large-Scale Language Model
/// Training on GPU Clusters Using Megatron-LM", §2.2) and Megatron-LM's
/// `get_forward_backward_func` warm-up counts:
///
/// | schedule          | bubble / ideal time | micro-batches in flight at stage `s` |
/// |-------------------|---------------------|--------------------------------------|
/// | GPipe             | (p−1)/m             | m                                    |
/// | 1F1B              | (p−1)/m             | min(p − s, m)                        |
/// | interleaved (v)   | (p−1)/(v·m)         | min(2(p−s−1) + (v−1)p + 1, v·m) / v  |
///
/// (The interleaved count is in units of one model chunk, a `1/v` share of the
/// stage's layers, hence the division by `v`; at `s = 0` it is
/// `p·(1 + (p−1)/(p·v))` stage-micro-batches, the paper's figure.)
public enum PipelineSchedule: String, Codable, Sendable, CaseIterable, Hashable {
  /// All forwards, then all backwards.
  case gpipe
  /// One forward, one backward (PipeDream-Flush); interleaved when `v > 1`.
  case oneForwardOneBackward = "1f1b"

  /// The idle fraction relative to the ideal `m · t_stage`.
  public func bubbleFraction(stages p: Int, microBatches m: Int, chunks v: Int = 1) -> Double {
    guard p > 1, m > 0 else { return 0 }
    return Double(p - 1) / (Double(max(v, 1)) * Double(m))
  }

  /// Seconds of one iteration's pipeline when the slowest stage takes
  /// `stageTime` per micro-batch (forward and backward): `(m + (p−1)/v) · t`.
  public func pipelineTime(stageTime: Double, stages p: Int, microBatches m: Int, chunks v: Int = 1)
    -> Double
  {
    stageTime * Double(m) * (1 + bubbleFraction(stages: p, microBatches: m, chunks: v))
  }

  /// The micro-batches whose activations stage `s` (0-based) holds at its peak,
  /// in units of the whole stage's activations of one micro-batch.
  public func inFlightMicroBatches(
    stage s: Int, stages p: Int, microBatches m: Int, chunks v: Int = 1
  ) -> Double {
    switch self {
    case .gpipe:
      return Double(m)
    case .oneForwardOneBackward where v <= 1:
      return Double(min(p - s, m))
    case .oneForwardOneBackward:
      let chunks = min(2 * (p - s - 1) + (v - 1) * p + 1, v * m)
      return Double(chunks) / Double(v)
    }
  }
}
