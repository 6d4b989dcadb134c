/// One accelerator (or one CPU worker) as the cost model sees it.
public struct DeviceSpec: Hashable, Sendable {
  /// A display name, e.g. `"NVIDIA H100 80GB"`.
  public var name: String
  /// Bytes of device memory.
  public var memoryBytes: Double
  /// Peak dense FLOP/s per precision; a missing precision falls back to fp32.
  public var peakFLOPs: [ComputePrecision: Double]
  /// Sustained memory bandwidth in bytes per second (read + write traffic).
  public var memoryBandwidth: Double
  /// The analytic efficiency model, used where the kernel table has no data.
  public var efficiency: KernelEfficiency
  /// Measured products, preferred over ``efficiency`` for the precisions they cover.
  public var kernelTable: KernelTable?
  /// FLOP/s of non-matrix arithmetic (element-wise kernels, norms, softmax);
  /// `nil` means the fp32 peak.
  public var vectorFLOPs: Double?

  /// Creates a device description.
  public init(
    name: String, memoryBytes: Double, peakFLOPs: [ComputePrecision: Double],
    memoryBandwidth: Double,
    efficiency: KernelEfficiency, kernelTable: KernelTable? = nil, vectorFLOPs: Double? = nil
  ) {
    self.name = name
    self.memoryBytes = memoryBytes
    self.peakFLOPs = peakFLOPs
    self.memoryBandwidth = memoryBandwidth
    self.efficiency = efficiency
    self.kernelTable = kernelTable
    self.vectorFLOPs = vectorFLOPs
  }

  /// Whether the device lists a peak for `precision` (otherwise it computes in fp32).
  public func supports(_ precision: ComputePrecision) -> Bool { peakFLOPs[precision] != nil }

  /// The peak FLOP/s of `precision` (fp32's when the device lists none).
  public func peak(_ precision: ComputePrecision) -> Double {
    peakFLOPs[precision] ?? peakFLOPs[.fp32] ?? 1e12
  }

  /// The predicted seconds of one `C[m,n] = A[m,k]·B[k,n]` product.
  ///
  /// A precision the device has no peak for runs as fp32. The measured table
  /// answers when it covers the precision (fp16 and bf16 stand in for each
  /// other; products of `operands` the table has no measurements of take the
  /// plain products'); otherwise the analytic ``efficiency`` model at ``peak(_:)``.
  /// Unless the table's grid brackets the shape
  /// (``KernelTable/brackets(m:n:k:precision:operands:)``), the product takes at least the
  /// kernel overhead plus the time to read both operands and write the result at
  /// ``memoryBandwidth`` (``gemmTrafficSeconds(m:n:k:precision:)``): thin products
  /// (a few rows, as with tiny micro-batches) are memory-bound, and a table clamps
  /// shapes outside its measurements. A bracketed shape is interpolated between
  /// measured products of its own kind, which already include their traffic
  /// (from wherever the operands came from: a CPU's large shared cache can beat
  /// the copy bandwidth that ``memoryBandwidth`` measures).
  public func gemmSeconds(
    m: Int, n: Int, k: Int, precision requested: ComputePrecision,
    operands: GEMMOperands = .plain
  ) -> Double {
    guard m > 0, n > 0, k > 0 else { return 0 }
    let precision = supports(requested) ? requested : .fp32
    let floor = gemmTrafficSeconds(m: m, n: n, k: k, precision: precision)
    if let table = kernelTable {
      // fp16 and bf16 run at the same tensor-core rate: either's table serves both.
      let twin: ComputePrecision? = precision == .fp16 ? .bf16 : precision == .bf16 ? .fp16 : nil
      for candidate in [precision] + (twin.map { [$0] } ?? []) {
        if let answer = table.interpolation(
          m: m, n: n, k: k, precision: candidate, operands: operands)
        {
          let seconds = 2 * Double(m) * Double(n) * Double(k) / answer.throughput
          return answer.bracketed ? seconds : max(seconds, floor)
        }
      }
    }
    return max(efficiency.seconds(m: m, n: n, k: k, peak: peak(precision)), floor)
  }

  /// The roofline floor of a product: kernel overhead plus `A`, `B` and `C`
  /// (`m·k + k·n + m·n` elements of 2 bytes in fp16/bf16, 4 otherwise) moved
  /// once at ``memoryBandwidth``.
  public func gemmTrafficSeconds(m: Int, n: Int, k: Int, precision: ComputePrecision) -> Double {
    let bytes: Double = precision == .fp16 || precision == .bf16 ? 2 : 4
    let (dm, dn, dk) = (Double(m), Double(n), Double(k))
    return efficiency.overhead + bytes * (dm * dk + dk * dn + dm * dn) / memoryBandwidth
  }

  /// The roofline time of a memory-bound kernel: the larger of its arithmetic
  /// at ``vectorFLOPs`` (else the fp32 peak) and its traffic at the memory
  /// bandwidth, plus the kernel overhead.
  public func elementwiseSeconds(flops: Double, bytes: Double) -> Double {
    guard flops > 0 || bytes > 0 else { return 0 }
    return efficiency.overhead + max(flops / (vectorFLOPs ?? peak(.fp32)), bytes / memoryBandwidth)
  }
}
