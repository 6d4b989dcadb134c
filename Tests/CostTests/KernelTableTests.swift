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
          rows.append(GEMMMeasurement(precision: .fp32, m: m, n: n, k: k, seconds: flops / throughput))
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
    let row = try #require(H100GEMMTable.measurements.first { $0.precision == .bf16 && $0.m == 8192 && $0.n == 8192 })
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
  @Test func offGridSgemmIsPredictedWithinFifteenPercent() {
    // A small grid around the probe shapes, measured exactly as `tensoropt profile` does.
    let profiler = MachineProfiler(gridSizes: [32, 64, 128, 256, 512], samples: 3)
    let table = KernelTable(profiler.measureGrid())
    var cluster = ClusterPreset.defaultCPUCluster(devices: 1)
    cluster.device.kernelTable = table
    let probes = [(96, 384, 200), (300, 140, 450), (48, 500, 80), (200, 200, 200)]
    for (m, n, k) in probes {
      // Median of three fresh measurements (each itself a median) for noise tolerance.
      let measured = MachineProfiler.median((0..<3).map { _ in profiler.gemmSeconds(m: m, n: n, k: k) })
      let predicted = cluster.device.gemmSeconds(m: m, n: n, k: k, precision: .fp32)
      let error = abs(predicted / measured - 1)
      #expect(error < 0.15, "\(m)×\(n)×\(k): measured \(measured), predicted \(predicted)")
    }
  }
}
