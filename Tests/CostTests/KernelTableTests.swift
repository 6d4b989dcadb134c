import Foundation
import Testing

@testable import TensorOptCost

@Suite("Kernel tables interpolate measured GEMMs")
struct KernelTableTests {
  /// A 2×2×2 grid whose throughput is `c · m^a`: log-linear, so interpolation is exact.
  func grid() -> KernelTable {
    var rows: [GEMMMeasurement] = []
    for m in [64, 256] {
      for n in [64, 256] {
        for k in [64, 256] {
          let throughput = 1e9 * Double(m)
          let flops = 2.0 * Double(m * n * k)
          rows.append(
            GEMMMeasurement(precision: .fp32, m: m, n: n, k: k, seconds: flops / throughput))
        }
      }
    }
    return KernelTable(rows)
  }

  @Test func gridPointsReturnTheirMeasurement() throws {
    let table = grid()
    let seconds = try #require(table.seconds(m: 256, n: 64, k: 256, precision: .fp32))
    #expect(abs(seconds - 2.0 * 64 * 256 / 1e9) / seconds < 1e-12)
  }

  @Test func logLinearThroughputInterpolatesExactly() throws {
    let table = grid()
    let throughput = try #require(table.throughput(m: 128, n: 100, k: 200, precision: .fp32))
    #expect(abs(throughput - 128e9) / 128e9 < 1e-9)
  }

  @Test func missingPrecisionHasNoAnswer() {
    #expect(grid().seconds(m: 64, n: 64, k: 64, precision: .bf16) == nil)
  }

  @Test func theH100TableReproducesItsMeasurementsAndGrowsWithSize() throws {
    let device = ClusterPreset.h100.cluster(devices: 8).device
    let row = try #require(
      H100GEMMTable.measurements.first { $0.precision == .bf16 && $0.m == 8192 && $0.n == 8192 })
    let predicted = device.gemmSeconds(m: row.m, n: row.n, k: row.k, precision: .bf16)
    #expect(abs(predicted - row.seconds) / row.seconds < 1e-9)
    let small = device.gemmSeconds(m: 4096, n: 4096, k: 4096, precision: .bf16)
    let large = device.gemmSeconds(m: 8192, n: 8192, k: 8192, precision: .bf16)
    #expect(large > 4 * small)
    // fp16 is served by the bf16 measurements.
    #expect(device.gemmSeconds(m: 4096, n: 4096, k: 4096, precision: .fp16) == small)
  }

  @Test func analyticEfficiencyPenalisesThinProducts() {
    let model = KernelEfficiency(maxEfficiency: 0.8, halfDimension: 16, overhead: 0)
    #expect(model.efficiency(m: 4096, n: 4096, k: 64) < model.efficiency(m: 4096, n: 4096, k: 4096))
    let seconds = model.seconds(m: 1024, n: 1024, k: 1024, peak: 1e12)
    let expected = 2.0 * pow(1024, 3) / (1e12 * 0.8 * pow(1024.0 / 1040, 3))
    #expect(abs(seconds - expected) / expected < 1e-12)
  }
}

@Suite("The cpu profile predicts OpenBLAS sgemm off its grid")
struct ProfileAccuracyTests {
  /// The powers of two bracketing `value`.
  func bracket(_ value: Int) -> [Int] {
    var low = 1
    while low * 2 <= value { low *= 2 }
    return [low, low * 2]
  }

  /// One attempt: profile the eight grid corners around the shape exactly as
  /// `tensoropt profile` does, then measure the shape and compare.
  func relativeError(m: Int, n: Int, k: Int, profiler: MachineProfiler) -> Double {
    var corners: [GEMMMeasurement] = []
    for cm in bracket(m) {
      for cn in bracket(n) {
        for ck in bracket(k) {
          corners.append(
            GEMMMeasurement(
              precision: .fp32, m: cm, n: cn, k: ck,
              seconds: profiler.gemmSeconds(m: cm, n: cn, k: ck)))
        }
      }
    }
    var device = ClusterPreset.defaultCPUCluster(devices: 1).device
    device.kernelTable = KernelTable(corners)
    let measured = profiler.gemmSeconds(m: m, n: n, k: k)
    return device.gemmSeconds(m: m, n: n, k: k, precision: .fp32) / measured - 1
  }

  @Test func offGridSgemmIsPredictedWithinFifteenPercent() {
    let profiler = MachineProfiler(samples: 3)
    for (m, n, k) in [(96, 384, 200), (300, 140, 450), (48, 500, 80), (200, 200, 200)] {
      // The median of three attempts tolerates a burst of load on a shared machine.
      let errors = (0..<3).map { _ in relativeError(m: m, n: n, k: k, profiler: profiler) }
      let error = MachineProfiler.median(errors)
      #expect(abs(error) < 0.15, "\(m)×\(n)×\(k): errors \(errors)")
    }
  }
}

@Suite("The H100 table predicts its own held-out measurements")
struct H100LeaveOneOutTests {
  /// Relative errors of predicting each bf16 product (M ≥ 2048, above the timing
  /// floor) from all the others.
  static func leaveOneOutErrors(precision: ComputePrecision) -> [Double] {
    let rows = H100GEMMTable.measurements
    return rows.indices.compactMap { index -> Double? in
      let row = rows[index]
      guard row.precision == precision, row.m >= 2048, row.seconds > 1e-4 else { return nil }
      var others = rows
      others.remove(at: index)
      guard
        let predicted = KernelTable(others).seconds(
          m: row.m, n: row.n, k: row.k, precision: precision)
      else {
        return nil
      }
      return predicted / row.seconds - 1
    }
  }

  @Test func medianHeldOutErrorIsSmall() {
    for precision in [ComputePrecision.bf16, .fp32] {
      let errors = Self.leaveOneOutErrors(precision: precision).map(abs).sorted()
      #expect(errors.count > 20)
      let median = errors[errors.count / 2]
      #expect(median < 0.1)
    }
  }
}
