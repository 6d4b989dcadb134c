import Foundation
import TensorOptCost

/// Measures the link between worker threads as the executor's collectives use
/// it, in the terms of the cost model's ring formula for an all-gather of `n`
/// bytes over `g` members, `c + (g − 1)·α + n/B` (`c` the link's per-call
/// ``LinkSpec/overhead``; `n` bytes because each member copies its own chunk
/// into the output as well as the `g − 1` others', all at the rate `B`).
///
/// Groups of 2, 4, … up to the device count run all-gathers of a few sizes
/// (small ones, latency-bound; larger ones below and above
/// ``Communicator/ringThresholdBytes``), each after the worker has streamed
/// ``evictionBytes`` of its own memory, as the kernels between two collectives
/// of a training step do; each collective lasts what
/// ``TraceReplay`` charges it: the largest member's CPU time inside it (blocking
/// excluded). A trial is the mean over a batch of collectives; the fastest trial
/// of each (group, size) is kept, as other load only ever slows one down. `c`, `α`
/// and `1/B` are then the non-negative weighted least-squares fit of the formula to those times
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

  /// The `(c, α, B)` that fit `samples` best (see the type's notes), or `nil`
  /// when they cannot determine a positive bandwidth. With `copiesOwnChunk`, each
  /// member also copies its own chunk (`n/g` bytes, which the executor's
  /// all-gather writes into its output besides the ring) at the same rate `B` as
  /// the others' chunks — `n` bytes in all — and the link carries that rate as
  /// ``LinkSpec/localCopyBandwidth``.
  ///
  /// The fit is non-negative least squares over the three terms, solved exactly
  /// by trying each subset of the fixed terms `c` and `α` (with `1/B` always in)
  /// and keeping the admissible one of least weighted residual: a term whose
  /// free fit would be negative is 0. Samples of one group size cannot tell `c`
  /// from `α`; the fit then keeps `α`.
  public static func fit(_ samples: [Sample], copiesOwnChunk: Bool = false) -> LinkSpec? {
    // t = c + α·x + β·y with x = g − 1, β = 1/B and y the bytes copied:
    // (g − 1)/g · n, or n when the member copies its own chunk too.
    let rows = samples.filter { $0.seconds > 0 && $0.members > 1 }.map { sample in
      let g = Double(sample.members)
      let copied = (copiesOwnChunk ? 1 : (g - 1) / g) * Double(sample.bytes)
      return (
        terms: [1, g - 1, copied], t: sample.seconds, w: 1 / (sample.seconds * sample.seconds)
      )
    }
    // Each term scaled to unit weighted norm, so that the normal equations are
    // well conditioned and a singular subset (one group size: c and α alike) shows.
    let norms = (0..<3).map { i in
      rows.reduce(0.0) { $0 + $1.w * $1.terms[i] * $1.terms[i] }.squareRoot()
    }
    guard norms.allSatisfy({ $0 > 0 }) else { return nil }
    var best: (residual: Double, link: LinkSpec)?
    // Simpler models first; a richer one replaces them only when it fits better.
    for subset in [[2], [1, 2], [0, 2], [0, 1, 2]] {
      let matrix = subset.map { i in
        subset.map { j in
          rows.reduce(0.0) { $0 + $1.w * $1.terms[i] * $1.terms[j] } / (norms[i] * norms[j])
        }
      }
      let right = subset.map { i in
        rows.reduce(0.0) { $0 + $1.w * $1.terms[i] * $1.t } / norms[i]
      }
      guard let scaled = solve(matrix, right) else { continue }
      let solution = zip(scaled, subset).map { $0 / norms[$1] }
      guard solution.allSatisfy({ $0 >= 0 }), let beta = solution.last, beta > 0 else { continue }
      var coefficients = [0.0, 0.0, 0.0]
      for (index, value) in zip(subset, solution) { coefficients[index] = value }
      let residual = rows.reduce(0.0) { sum, row in
        let model = zip(coefficients, row.terms).reduce(0.0) { $0 + $1.0 * $1.1 }
        return sum + row.w * (model - row.t) * (model - row.t)
      }
      if best.map({ residual < $0.residual * (1 - 1e-9) }) ?? true {
        best = (
          residual,
          LinkSpec(
            bandwidth: 1 / beta, latency: coefficients[1], overhead: coefficients[0],
            localCopyBandwidth: copiesOwnChunk ? 1 / beta : nil)
        )
      }
    }
    return best?.link
  }

  /// The solution of the square system `matrix · x = right` by Gaussian
  /// elimination with partial pivoting, or `nil` when it is singular (a pivot
  /// below 1e-10: the callers pass matrices with a unit diagonal).
  static func solve(_ matrix: [[Double]], _ right: [Double]) -> [Double]? {
    let n = right.count
    var a = zip(matrix, right).map { $0 + [$1] }
    for column in 0..<n {
      guard
        let pivot = (column..<n).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }),
        abs(a[pivot][column]) > 1e-10
      else { return nil }
      a.swapAt(column, pivot)
      for row in 0..<n where row != column {
        let factor = a[row][column] / a[column][column]
        for k in column...n { a[row][k] -= factor * a[column][k] }
      }
    }
    let x = (0..<n).map { a[$0][n] / a[$0][$0] }
    return x.allSatisfy(\.isFinite) ? x : nil
  }

  /// The thread link for a profile of `devices` workers: the fit of
  /// ``measure(devices:floats:trials:budget:)`` with each member copying its own
  /// chunk as the executor does (``fit(_:copiesOwnChunk:)``), or `nil` when the
  /// run failed or the fit is degenerate (the caller falls back to another
  /// measurement). Each sample is reported to `progress` with the fitted time.
  public static func link(devices: Int, progress: (String) -> Void = { _ in }) -> LinkSpec? {
    guard let samples = try? measure(devices: devices),
      let link = fit(samples, copiesOwnChunk: true)
    else { return nil }
    let cluster = Cluster(
      name: "threads", deviceCount: max(devices, 2), devicesPerNode: max(devices, 2),
      device: DeviceSpec(
        name: "thread", memoryBytes: 1, peakFLOPs: [:], memoryBandwidth: 1,
        efficiency: KernelEfficiency(maxEfficiency: 1, halfDimension: 1, overhead: 0)),
      intraNode: link, interNode: link)
    for sample in samples {
      let model = cluster.collectiveTime(
        .allGather, bytes: Double(sample.bytes),
        group: cluster.group(Array(0..<sample.members)))
      progress(
        String(
          format: "all-gather of %d B over %d workers: %.1f µs (fit %.1f µs)", sample.bytes,
          sample.members, sample.seconds * 1e6, model * 1e6))
    }
    return link
  }

}
