import Testing

@testable import TensorOptCost

@Suite("Thin products: a bracketing grid is trusted, the roofline floor guards extrapolation")
struct ThinProductPricingTests {
  /// Memory bandwidth of the test device: 1 GB/s, so the floor of a product is
  /// large against the measurements below.
  static let bandwidth = 1e9

  /// A full grid over m ∈ {1, 8}, n ∈ {16, 128}, k ∈ {16, 128} where every
  /// product took 1 µs: faster than reading its operands at 1 GB/s.
  static func grid() -> [GEMMMeasurement] {
    var rows: [GEMMMeasurement] = []
    for m in [1, 8] {
      for n in [16, 128] {
        for k in [16, 128] {
          rows.append(GEMMMeasurement(precision: .fp32, m: m, n: n, k: k, seconds: 1e-6))
        }
      }
    }
    return rows
  }

  static func device(_ rows: [GEMMMeasurement]) -> DeviceSpec {
    DeviceSpec(
      name: "test", memoryBytes: 1e9, peakFLOPs: [.fp32: 1e12], memoryBandwidth: bandwidth,
      efficiency: KernelEfficiency(maxEfficiency: 1, halfDimension: 1, overhead: 0),
      kernelTable: KernelTable(rows))
  }

  /// Bytes of `A`, `B` and `C` in fp32 over the test bandwidth.
  static func floor(m: Int, n: Int, k: Int) -> Double {
    4 * Double(m * k + k * n + m * n) / bandwidth
  }

  @Test func aMeasuredThinProductCostsItsMeasurementEvenBelowTheCopyFloor() {
    let device = Self.device(Self.grid())
    // 1 × 128 × 128: the floor is 4·(128 + 16384 + 128) B / 1 GB/s = 66.6 µs.
    #expect(Self.floor(m: 1, n: 128, k: 128) > 6e-5)
    let seconds = device.gemmSeconds(m: 1, n: 128, k: 128, precision: .fp32)
    #expect(abs(seconds - 1e-6) < 1e-15)
  }

  @Test func aShapeBetweenMeasurementsIsInterpolatedNotFloored() {
    let device = Self.device(Self.grid())
    // Every corner took 1 µs, so log-throughput is linear in log m, log n and
    // log k and the interpolation is exact: 1 µs, a tenth of the 4 × 64 × 64 floor.
    let seconds = device.gemmSeconds(m: 4, n: 64, k: 64, precision: .fp32)
    #expect(abs(seconds - 1e-6) < 1e-12)
    #expect(seconds < Self.floor(m: 4, n: 64, k: 64) / 10)
  }

  @Test func aShapeOutsideTheGridTakesAtLeastTheFloor() {
    let device = Self.device(Self.grid())
    // n = 1024 lies past the grid's largest n: the table extrapolates, the floor holds.
    let seconds = device.gemmSeconds(m: 1, n: 1024, k: 128, precision: .fp32)
    #expect(abs(seconds - Self.floor(m: 1, n: 1024, k: 128)) < 1e-12)
  }

  @Test func scatteredMeasurementsKeepTheFloor() {
    // Without one corner the measurements are no full grid: nothing brackets a query.
    let rows = Array(Self.grid().dropLast())
    let device = Self.device(rows)
    #expect(!KernelTable(rows).brackets(m: 1, n: 16, k: 16, precision: .fp32))
    let seconds = device.gemmSeconds(m: 1, n: 16, k: 16, precision: .fp32)
    #expect(abs(seconds - Self.floor(m: 1, n: 16, k: 16)) < 1e-12)
  }

  @Test func bracketingIsPerAxisAndPerPrecision() {
    let table = KernelTable(Self.grid())
    #expect(table.brackets(m: 1, n: 16, k: 16, precision: .fp32))
    #expect(table.brackets(m: 8, n: 128, k: 128, precision: .fp32))
    #expect(!table.brackets(m: 9, n: 16, k: 16, precision: .fp32))
    #expect(!table.brackets(m: 1, n: 15, k: 16, precision: .fp32))
    #expect(!table.brackets(m: 1, n: 16, k: 129, precision: .fp32))
    #expect(!table.brackets(m: 1, n: 16, k: 16, precision: .bf16))
  }
}
