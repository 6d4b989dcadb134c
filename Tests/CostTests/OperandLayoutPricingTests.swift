import Foundation
import TensorOptGraph
import Testing

@testable import TensorOptCost

@Suite("Products are priced as the executor reads their operands (A·B, A·Bᵀ, Aᵀ·B)")
struct OperandLayoutPricingTests {
  static let extents = [1, 2048]

  /// A full grid over `extents` on every axis where each product of `operands`
  /// runs at `throughput` FLOP/s.
  static func grid(_ operands: GEMMOperands, throughput: Double) -> [GEMMMeasurement] {
    var rows: [GEMMMeasurement] = []
    for m in extents {
      for n in extents {
        for k in extents {
          rows.append(
            GEMMMeasurement(
              precision: .fp32, operands: operands, m: m, n: n, k: k,
              seconds: 2 * Double(m * n * k) / throughput))
        }
      }
    }
    return rows
  }

  /// A device whose plain products run at 1 TFLOP/s, input gradients (`A · Bᵀ`)
  /// at half that and weight gradients (`Aᵀ · B`) at a quarter; its floor and
  /// overhead are out of the way (the grid brackets every shape below).
  static func device(_ measurements: [GEMMMeasurement]) -> DeviceSpec {
    DeviceSpec(
      name: "test", memoryBytes: 1e12, peakFLOPs: [.fp32: 1e12], memoryBandwidth: 1e15,
      efficiency: KernelEfficiency(maxEfficiency: 1, halfDimension: 0, overhead: 0),
      kernelTable: KernelTable(measurements))
  }

  /// Forward and backward seconds of `op` on one device with the variants' table.
  static func kernelTimes(
    _ op: Operator, inputs: [Tensor], output: Tensor
  ) -> (forward: Double, backward: Double) {
    var cluster = Fixtures.cluster(devices: 1)
    cluster.device = device(variants)
    return AnalyticalStageCost(mesh: DeviceMesh([1]), cluster: cluster).kernelTimes(
      op, inputs: inputs, output: output, metrics: OperatorMetrics())
  }

  static let variants =
    grid(.plain, throughput: 1e12) + grid(.transposedB, throughput: 0.5e12)
    + grid(.transposedA, throughput: 0.25e12)

  @Test func eachOperandLayoutHasItsOwnTable() throws {
    let table = KernelTable(Self.variants)
    let flops = 2.0 * 64 * 512 * 256
    let plain = try #require(table.seconds(m: 64, n: 512, k: 256, precision: .fp32))
    let nt = try #require(
      table.seconds(m: 64, n: 512, k: 256, precision: .fp32, operands: .transposedB))
    let tn = try #require(
      table.seconds(m: 64, n: 512, k: 256, precision: .fp32, operands: .transposedA))
    #expect(abs(plain - flops / 1e12) / plain < 1e-9)
    #expect(abs(nt - flops / 0.5e12) / nt < 1e-9)
    #expect(abs(tn - flops / 0.25e12) / tn < 1e-9)
  }

  @Test func operandsWithoutMeasurementsTakeThePlainProducts() throws {
    let table = KernelTable(Self.grid(.plain, throughput: 1e12))
    let plain = try #require(table.seconds(m: 8, n: 128, k: 1024, precision: .fp32))
    for operands in [GEMMOperands.transposedA, .transposedB] {
      #expect(table.seconds(m: 8, n: 128, k: 1024, precision: .fp32, operands: operands) == plain)
      #expect(table.brackets(m: 8, n: 128, k: 1024, precision: .fp32, operands: operands))
    }
  }

  @Test func aLinearLayersBackwardIsAnInputGradientPlusAWeightGradient() {
    // [r, k] · [k, n] with r = 64, k = 1024, n = 512: forward 2rkn at 1 TFLOP/s,
    // backward 2rkn at 0.5 (dY · Wᵀ) plus 2rkn at 0.25 (Xᵀ · dY).
    let (r, k, n) = (64, 1024, 512)
    let x = Tensor(
      name: "x", shape: [Dimension("batch", r), Dimension("hidden", k)], dtype: .fp32)
    let y = Tensor(name: "y", shape: [Dimension("batch", r), Dimension("ffn", n)], dtype: .fp32)
    let times = Self.kernelTimes(Operator(.linear), inputs: [x], output: y)
    let flops = 2.0 * Double(r * k * n)
    #expect(abs(times.forward - flops / 1e12) / times.forward < 1e-9)
    let backward = flops / 0.5e12 + flops / 0.25e12
    #expect(abs(times.backward - backward) / backward < 1e-9)
  }

  @Test func aTiedLinearReadsTheEmbeddingTableTransposed() {
    // The LM head reads the [vocab, hidden] table: forward X · Wᵀ (0.5 TFLOP/s),
    // input gradient dY · W (1), weight gradient Aᵀ · B (0.25).
    let (r, k, n) = (64, 512, 1024)
    var attributes = OperatorAttributes()
    attributes.tiedTo = "wte"
    let x = Tensor(
      name: "x", shape: [Dimension("batch", r), Dimension("hidden", k)], dtype: .fp32)
    let y = Tensor(name: "y", shape: [Dimension("batch", r), Dimension("vocab", n)], dtype: .fp32)
    let times = Self.kernelTimes(Operator(.linear, attributes: attributes), inputs: [x], output: y)
    let flops = 2.0 * Double(r * k * n)
    #expect(abs(times.forward - flops / 0.5e12) / times.forward < 1e-9)
    let backward = flops / 1e12 + flops / 0.25e12
    #expect(abs(times.backward - backward) / backward < 1e-9)
  }

  @Test func aMatmulsBackwardReadsEachOperandTransposedOnce() {
    // [m, k] · [k, n] with m = 256, k = 64, n = 128: forward at 1 TFLOP/s, backward
    // dY · Bᵀ at 0.5 plus Aᵀ · dY at 0.25.
    let (m, k, n) = (256, 64, 128)
    let a = Tensor(name: "a", shape: [Dimension("rows", m), Dimension("hidden", k)], dtype: .fp32)
    let b = Tensor(name: "b", shape: [Dimension("hidden", k), Dimension("ffn", n)], dtype: .fp32)
    let c = Tensor(name: "c", shape: [Dimension("rows", m), Dimension("ffn", n)], dtype: .fp32)
    let times = Self.kernelTimes(Operator(.matmul), inputs: [a, b], output: c)
    let flops = 2.0 * Double(m * k * n)
    #expect(abs(times.forward - flops / 1e12) / times.forward < 1e-9)
    let backward = flops / 0.5e12 + flops / 0.25e12
    #expect(abs(times.backward - backward) / backward < 1e-9)
  }

  @Test func aKindWithScatteredRowsOfItsOwnKeepsTheFloor() throws {
    // Plain rows form a full grid; the A·Bᵀ rows miss one corner: nothing brackets
    // an A·Bᵀ query, so its time is at least the roofline floor.
    let rows =
      Self.grid(.plain, throughput: 1e12) + Self.grid(.transposedB, throughput: 1e12).dropLast()
    let device = DeviceSpec(
      name: "test", memoryBytes: 1e12, peakFLOPs: [.fp32: 1e12], memoryBandwidth: 1e6,
      efficiency: KernelEfficiency(maxEfficiency: 1, halfDimension: 0, overhead: 0),
      kernelTable: KernelTable(rows))
    let floor = 4.0 * Double(8 * 64 + 64 * 32 + 8 * 32) / 1e6
    #expect(device.gemmSeconds(m: 8, n: 32, k: 64, precision: .fp32) < floor / 100)
    let nt = device.gemmSeconds(m: 8, n: 32, k: 64, precision: .fp32, operands: .transposedB)
    #expect(abs(nt - floor) / floor < 1e-12)
  }

  @Test func aMeasurementWithoutOperandsDecodesAsPlain() throws {
    let plain = try JSONDecoder().decode(
      GEMMMeasurement.self,
      from: Data(#"{"precision":"fp32","m":8,"n":16,"k":32,"seconds":1e-6}"#.utf8))
    #expect(plain.operands == .plain && plain.m == 8 && plain.n == 16 && plain.k == 32)
    let nt = try JSONDecoder().decode(
      GEMMMeasurement.self,
      from: Data(#"{"precision":"fp32","operands":"nt","m":8,"n":16,"k":32,"seconds":1e-6}"#.utf8))
    #expect(nt.operands == .transposedB)
  }

  @Test func aClusterFileKeepsEachRowsOperands() throws {
    var cluster = Fixtures.cluster(devices: 2)
    cluster.device = Self.device(Self.variants)
    let file = cluster.file
    let rows = try #require(file.device.gemmTable)
    #expect(rows.filter { $0.operands == nil }.count == 8)  // plain rows omit the field
    #expect(rows.filter { $0.operands == "nt" }.count == 8)
    #expect(rows.filter { $0.operands == "tn" }.count == 8)
    let decoded = try Cluster(file, file: "test.json")
    #expect(decoded.device.kernelTable == cluster.device.kernelTable)
  }

  @Test func anUnknownOperandsValueIsAFieldError() throws {
    var cluster = Fixtures.cluster(devices: 2)
    cluster.device = Self.device(Self.grid(.plain, throughput: 1e12))
    var file = cluster.file
    file.device.gemmTable?[3].operands = "tt"
    #expect {
      try Cluster(file, file: "lab.json")
    } throws: { error in
      "\(error)".contains("lab.json") && "\(error)".contains("device.gemm_table[3].operands")
    }
  }
}
