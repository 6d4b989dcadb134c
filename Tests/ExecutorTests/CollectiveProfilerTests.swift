import TensorOptCost
import Testing

@testable import TensorOptExecutor

@Suite("The thread link fitted to the executor's collectives")
struct CollectiveProfilerTests {
  /// Exact samples over 2, 4 and 8 members of 256 B, 256 KiB and 4 MiB gathers,
  /// timed by `seconds(g, n)`.
  static func samples(_ seconds: (Double, Double) -> Double) -> [CollectiveProfiler.Sample] {
    [2, 4, 8].flatMap { g in
      [256, 256 << 10, 4 << 20].map { bytes in
        CollectiveProfiler.Sample(
          members: g, bytes: bytes, seconds: seconds(Double(g), Double(bytes)))
      }
    }
  }

  @Test func theFitRecoversTheParametersOfExactSamples() throws {
    // t = (g − 1)·α + (g − 1)/g · n/B with α = 4 µs, B = 5 GB/s.
    let (alpha, bandwidth) = (4e-6, 5e9)
    let samples = Self.samples { g, n in (g - 1) * alpha + (g - 1) / g * n / bandwidth }
    let link = try #require(CollectiveProfiler.fit(samples))
    #expect(abs(link.latency - alpha) < 1e-12)
    #expect(abs(link.bandwidth / bandwidth - 1) < 1e-9)
  }

  @Test func theFitRecoversAFixedCostPerCall() throws {
    // t = c + (g − 1)·α + (g − 1)/g · n/B with c = 2 µs, α = 2.7 µs, B = 9 GB/s.
    let (overhead, alpha, bandwidth) = (2e-6, 2.7e-6, 9e9)
    let samples = Self.samples { g, n in overhead + (g - 1) * alpha + (g - 1) / g * n / bandwidth }
    let link = try #require(CollectiveProfiler.fit(samples))
    #expect(abs(link.overhead - overhead) < 1e-12)
    #expect(abs(link.latency - alpha) < 1e-12)
    #expect(abs(link.bandwidth / bandwidth - 1) < 1e-9)
  }

  @Test func theFitCountsTheOwnChunkCopyAtTheLinkRate() throws {
    // The executor's all-gather also copies the member's own chunk into its
    // output: n bytes copied in all, at the link's rate B.
    let (overhead, alpha, bandwidth) = (1.5e-6, 2.5e-6, 13e9)
    let samples = Self.samples { g, n in overhead + (g - 1) * alpha + n / bandwidth }
    let link = try #require(CollectiveProfiler.fit(samples, copiesOwnChunk: true))
    #expect(abs(link.overhead - overhead) < 1e-12)
    #expect(abs(link.latency - alpha) < 1e-12)
    #expect(abs(link.bandwidth / bandwidth - 1) < 1e-9)
    #expect(abs((link.localCopyBandwidth ?? 0) / bandwidth - 1) < 1e-9)
    // The cost model then prices every sample as measured.
    var cluster = ClusterPreset.h100.cluster(devices: 8)
    cluster.intraNode = link
    for sample in samples {
      let model = cluster.collectiveTime(
        .allGather, bytes: Double(sample.bytes), group: cluster.group(Array(0..<sample.members)))
      #expect(abs(model / sample.seconds - 1) < 1e-9)
    }
    // Fitted without the own chunk, the same samples leave the two-member 4 MiB
    // gather far off: the ring formula's (g − 1)/g · n cannot follow n.
    let plain = try #require(CollectiveProfiler.fit(samples))
    #expect(plain.localCopyBandwidth == nil)
    let twoMembers = try #require(samples.first { $0.members == 2 && $0.bytes == 4 << 20 })
    let plainTime =
      plain.overhead + plain.latency + Double(twoMembers.bytes) / 2 / plain.bandwidth
    #expect(abs(plainTime / twoMembers.seconds - 1) > 0.1)
  }

  @Test func aFixedCostThatWouldBeNegativeIsZero() throws {
    // Exact α-β samples less 1 µs each: the free fit wants c = −1 µs; the
    // admissible fit keeps c = 0 and no sample is slower than predicted by much.
    var samples: [CollectiveProfiler.Sample] = []
    for g in [2, 4, 8] {
      for bytes in [256, 4 << 20] {
        let x = Double(g - 1)
        let seconds = x * 4e-6 + x / Double(g) * Double(bytes) / 5e9 - 1e-6
        samples.append(.init(members: g, bytes: bytes, seconds: seconds))
      }
    }
    let link = try #require(CollectiveProfiler.fit(samples))
    #expect(link.overhead == 0)
    #expect(link.latency > 0 && link.latency < 4e-6)
  }

  @Test func oneGroupSizeCannotTellTheCallCostFromTheStepCost() throws {
    // Two members only: c + α is determined, not each; the fit keeps α.
    let samples: [CollectiveProfiler.Sample] = [256, 256 << 10, 4 << 20].map { bytes in
      .init(members: 2, bytes: bytes, seconds: 5e-6 + Double(bytes) / 2 / 8e9)
    }
    let link = try #require(CollectiveProfiler.fit(samples))
    #expect(link.overhead == 0)
    #expect(abs(link.latency - 5e-6) < 1e-12)
    #expect(abs(link.bandwidth / 8e9 - 1) < 1e-9)
  }

  @Test func withoutAFixedCostTheFitIsTheBandwidthAlone() throws {
    // Times that fall faster than linearly would need α < 0: α is 0, B is fitted.
    let samples: [CollectiveProfiler.Sample] = [
      .init(members: 2, bytes: 1000, seconds: 1e-7),
      .init(members: 4, bytes: 1000, seconds: 1e-7),
    ]
    let link = try #require(CollectiveProfiler.fit(samples))
    #expect(link.latency == 0)
    #expect(link.overhead == 0)
    // Σ w·y·t / Σ w·y² with y = 500 and 750 bytes, t = 1e-7: 1/B = 1e-7 · 1250 / (500² + 750²).
    let expected = (500.0 * 500 + 750 * 750) / (1e-7 * 1250)
    #expect(abs(link.bandwidth / expected - 1) < 1e-9)
    #expect(CollectiveProfiler.fit([]) == nil)
  }

  @Test func groupSizesArePowersOfTwoUpToTheDeviceCount() {
    #expect(CollectiveProfiler.groupSizes(devices: 8) == [2, 4, 8])
    #expect(CollectiveProfiler.groupSizes(devices: 6) == [2, 4])
    #expect(CollectiveProfiler.groupSizes(devices: 1) == [2])
  }

  @Test func measuredSamplesArePositiveAndGrowWithTheBytes() throws {
    let samples = try CollectiveProfiler.measure(
      devices: 4, floats: [16, 256 << 10], trials: 2, budget: 1 << 20)
    #expect(samples.map(\.members) == [2, 2, 4, 4])
    #expect(samples.map(\.bytes) == [64, 1 << 20, 64, 1 << 20])
    #expect(samples.allSatisfy { $0.seconds > 0 })
    // A 1 MiB gather copies (g − 1)/g of a MiB; 16 floats copy nothing to speak of.
    #expect(samples[1].seconds > samples[0].seconds)
    #expect(samples[3].seconds > samples[2].seconds)
  }
}
