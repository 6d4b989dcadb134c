import Foundation
import TensorOptCost

/// Measures the link between worker threads as the executor's collectives use
/// it, in the terms of the cost model's ring formula for an all-gather of `n`
/// bytes over `g` members, `(g − 1)·α + (g − 1)/g · n/B`.
///
/// Groups of 2, 4, … up to the device count run all-gathers of a few sizes
/// (small ones, latency-bound; larger ones below and above
/// ``Communicator/ringThresholdBytes``), each after the worker has streamed
/// ``evictionBytes`` of its own memory, as the kernels between two collectives
/// of a training step do; each collective lasts what
/// ``TraceReplay`` charges it: the largest member's CPU time inside it (blocking
/// excluded). A trial is the mean over a batch of collectives; the fastest trial
/// of each (group, size) is kept, as other load only ever slows one down. `α` and
/// `1/B` are then the weighted least-squares fit of the formula to those times
/// (weights `1/t²`, so every point counts by its relative error).
public enum CollectiveProfiler {
  /// One measured (group size, bytes, seconds) point.
  public struct Sample: Hashable, Sendable {
    /// Members of the group.
    public var members: Int
    /// Bytes of the gathered result (the formula's `n`).
    public var bytes: Int
    /// Seconds of the fastest trial's mean collective.
    public var seconds: Double
  }

  /// The group sizes measured for `devices` workers: powers of two from 2 up to `devices`.
  public static func groupSizes(devices: Int) -> [Int] {
    var sizes: [Int] = []
    var g = 2
    while g <= max(devices, 2) {
      sizes.append(g)
      g *= 2
    }
    return sizes
  }

  /// The gathered sizes in floats: latency-bound, direct, and ring-sized.
  public static let defaultFloats = [64, 64 << 10, 1 << 20]

  /// Bytes each worker writes between two collectives: twice a core's L2
  /// (``MachineProfiler/defaultColdBytes``, 4 MiB on this machine).
  public static var evictionBytes: Int { MachineProfiler.defaultColdBytes }

  /// Measures every group size of ``groupSizes(devices:)`` and size of `floats`.
  ///
  /// - Parameters:
  ///   - trials: batches per (group, size); the fastest is kept.
  ///   - budget: about how many floats each batch gathers in total (smaller
  ///     collectives run more times per batch, at least 4).
  public static func measure(
    devices: Int, floats: [Int] = defaultFloats, trials: Int = 5, budget: Int = 8 << 20
  ) throws -> [Sample] {
    var samples: [Sample] = []
    for g in groupSizes(devices: devices) {
      let sizes = floats.map { max($0 / g * g, g) }
      let counts = sizes.map { max(4, min(200, budget / $0)) }
      let run = try WorkerPool.run(count: g) { worker in
        let group = Array(0..<g)
        let scratch = DeviceTensor(shape: [evictionBytes / 4], allocator: worker.allocator)
        for (size, count) in zip(sizes, counts) {
          let output = DeviceTensor(shape: [size], allocator: worker.allocator)
          let input = DeviceTensor(shape: [size / g], allocator: worker.allocator)
          input.pointer.update(repeating: Float(worker.rank), count: input.count)
          for _ in 0..<(trials * count) {
            // What a training step runs between two collectives: kernels
            // streaming the worker's state, which leave nothing of the
            // communicator's data in the core's caches (untimed).
            scratch.pointer.update(repeating: 1, count: scratch.count)
            try worker.communicator.allGather(
              UnsafeBufferPointer(input.storage), into: output.storage, group: group)
          }
        }
      }
      let times = run.traces.map { trace in
        trace.events.compactMap { event -> Double? in
          guard case .transfer(_, _, _, _, let cpu, _) = event else { return nil }
          return cpu
        }
      }
      var offset = 0
      for (size, count) in zip(sizes, counts) {
        var best = Double.infinity
        for trial in 0..<trials {
          let range = (offset + trial * count)..<(offset + (trial + 1) * count)
          let total = range.reduce(0.0) { sum, index in
            sum + (times.map { $0[index] }.max() ?? 0)
          }
          best = min(best, total / Double(count))
        }
        samples.append(Sample(members: g, bytes: size * 4, seconds: best))
        offset += trials * count
      }
    }
    return samples
  }

  /// The `(α, B)` that fit `samples` best (see the type's notes), or `nil` when
  /// they cannot determine a positive bandwidth.
  public static func fit(_ samples: [Sample]) -> LinkSpec? {
    // t = α·x + β·y with x = g − 1, y = (g − 1)/g · n, β = 1/B.
    var (sxx, sxy, syy, sxt, syt) = (0.0, 0.0, 0.0, 0.0, 0.0)
    for sample in samples where sample.seconds > 0 && sample.members > 1 {
      let g = Double(sample.members)
      let x = g - 1
      let y = (g - 1) / g * Double(sample.bytes)
      let w = 1 / (sample.seconds * sample.seconds)
      sxx += w * x * x
      sxy += w * x * y
      syy += w * y * y
      sxt += w * x * sample.seconds
      syt += w * y * sample.seconds
    }
    let determinant = sxx * syy - sxy * sxy
    guard determinant > 0 else { return nil }
    var alpha = (sxt * syy - syt * sxy) / determinant
    var beta = (sxx * syt - sxy * sxt) / determinant
    if alpha < 0 {
      // No fixed cost is visible: fit the bandwidth alone.
      alpha = 0
      beta = syt / syy
    }
    guard beta > 0 else { return nil }
    return LinkSpec(bandwidth: 1 / beta, latency: alpha)
  }

  /// The thread link for a profile of `devices` workers: the fit of
  /// ``measure(devices:floats:trials:budget:)``, or `nil` when the run failed or
  /// the fit is degenerate (the caller falls back to another measurement).
  /// Each sample is reported to `progress` with the fitted formula's time.
  public static func link(devices: Int, progress: (String) -> Void = { _ in }) -> LinkSpec? {
    guard let samples = try? measure(devices: devices), let link = fit(samples) else { return nil }
    for sample in samples {
      let g = Double(sample.members)
      let model =
        (g - 1) * link.latency + (g - 1) / g * Double(sample.bytes) / link.bandwidth
      progress(
        String(
          format: "all-gather of %d B over %d workers: %.1f µs (fit %.1f µs)", sample.bytes,
          sample.members, sample.seconds * 1e6, model * 1e6))
    }
    return link
  }
}
