import Testing

@testable import TensorOptCost

@Suite("The profiler's grid: thin m and k extents, cold operands, best-of link trials")
struct ProfilerGridTests {
  let profiler = MachineProfiler(
    gridSizes: [16, 32], thinSizes: [1, 2], samples: 1, coldBytes: 1 << 20)

  @Test func thinExtentsExtendTheMAndKAxesOnly() {
    let axes = profiler.axes
    #expect(axes.m == [1, 2, 16, 32])
    #expect(axes.n == [16, 32])
    #expect(axes.k == [1, 2, 16, 32])
  }

  @Test func theGridIsFullForEachOperandLayoutAndTheTableAnswersItsPointsExactly() throws {
    let measurements = profiler.measureGrid()
    #expect(measurements.count == 3 * 4 * 2 * 4)
    #expect(Set(measurements.map(\.operands)) == Set(GEMMOperands.allCases))
    #expect(measurements.allSatisfy { $0.seconds > 0 && $0.seconds.isFinite })
    #expect(
      Set(measurements.map { "\($0.operands) \($0.m) \($0.n) \($0.k)" }).count
        == measurements.count)
    let table = KernelTable(measurements)
    for point in measurements where point.m == 1 || point.k == 2 {
      let predicted = try #require(
        table.seconds(
          m: point.m, n: point.n, k: point.k, precision: .fp32, operands: point.operands))
      #expect(abs(predicted / point.seconds - 1) < 1e-9)
    }
  }

  @Test func onlyWeightGradientsOfFewRowsAccumulate() {
    // Three tables: the Aᵀ·B rows price weight gradients, so only they accumulate.
    #expect(profiler.accumulates(.transposedA, k: 1))
    #expect(profiler.accumulates(.transposedA, k: 2))
    #expect(!profiler.accumulates(.transposedA, k: 16))
    #expect(!profiler.accumulates(.plain, k: 1))
    #expect(!profiler.accumulates(.transposedB, k: 1))
    // Plain rows only: they price the weight gradients too.
    let plain = MachineProfiler(gridSizes: [16, 32], thinSizes: [1], operandVariants: [.plain])
    #expect(plain.accumulates(.plain, k: 1))
    #expect(!plain.accumulates(.plain, k: 16))
  }

  @Test func aPlainOnlyProfilerMeasuresOneTable() {
    let plain = MachineProfiler(
      gridSizes: [16, 32], thinSizes: [1], samples: 1, operandVariants: [.plain],
      coldBytes: 1 << 20)
    let measurements = plain.measureGrid()
    #expect(measurements.count == 3 * 2 * 3)
    #expect(measurements.allSatisfy { $0.operands == .plain })
  }

  @Test func theThreadLinkIsPositive() {
    let link = profiler.threadLink(bytes: 1 << 16, roundTrips: 20)
    #expect(link.latency > 0 && link.latency.isFinite)
    #expect(link.bandwidth > 0 && link.bandwidth.isFinite)
  }
}
