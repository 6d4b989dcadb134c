import Foundation

extension Cluster {
  /// Reads and validates a cluster file.
  ///
  /// - Throws: ``ClusterFileError`` naming `path` and the first bad field.
  public static func load(contentsOf path: String) throws(ClusterFileError) -> Cluster {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw ClusterFileError(file: path, field: "", message: "cannot read the file")
    }
    return try decode(data, file: path)
  }

  /// Decodes and validates the JSON of a cluster file; `file` names it in errors.
  public static func decode(_ data: Data, file: String) throws(ClusterFileError) -> Cluster {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let parsed: ClusterFile
    do {
      parsed = try decoder.decode(ClusterFile.self, from: data)
    } catch let error as DecodingError {
      throw Self.describe(error, file: file)
    } catch {
      throw ClusterFileError(file: file, field: "", message: "not valid JSON")
    }
    return try Cluster(parsed, file: file)
  }

  /// Builds a cluster from a parsed file, checking every value.
  public init(_ file: ClusterFile, file path: String) throws(ClusterFileError) {
    func fail(_ field: String, _ message: String) -> ClusterFileError {
      ClusterFileError(file: path, field: field, message: message)
    }
    func positive(_ value: Double, _ field: String) throws(ClusterFileError) {
      guard value.isFinite, value > 0 else {
        throw fail(field, "must be a positive number, got \(value)")
      }
    }
    guard file.format == ClusterFile.currentFormat else {
      throw fail("format", "expected \"\(ClusterFile.currentFormat)\", got \"\(file.format)\"")
    }
    guard file.devices > 0 else { throw fail("devices", "must be positive, got \(file.devices)") }
    guard file.devicesPerNode > 0 else {
      throw fail("devices_per_node", "must be positive, got \(file.devicesPerNode)")
    }
    let device = file.device
    try positive(device.memoryBytes, "device.memory_bytes")
    try positive(device.memoryBandwidth, "device.memory_bandwidth")
    var peaks: [ComputePrecision: Double] = [:]
    for (key, value) in device.peakFlops.sorted(by: { $0.key < $1.key }) {
      guard let precision = ComputePrecision(rawValue: key) else {
        throw fail("device.peak_flops.\(key)", "unknown precision (use fp32, tf32, fp16, bf16)")
      }
      try positive(value, "device.peak_flops.\(key)")
      peaks[precision] = value
    }
    guard peaks[.fp32] != nil else { throw fail("device.peak_flops.fp32", "is required") }
    let e = device.efficiency
    guard e.maxEfficiency > 0, e.maxEfficiency <= 1 else {
      throw fail("device.efficiency.max_efficiency", "must be in (0, 1], got \(e.maxEfficiency)")
    }
    guard e.halfDimension >= 0 else {
      throw fail("device.efficiency.half_dimension", "must not be negative")
    }
    guard e.overhead >= 0 else { throw fail("device.efficiency.overhead", "must not be negative") }
    var table: KernelTable?
    if let rows = device.gemmTable {
      var measurements: [GEMMMeasurement] = []
      for (index, row) in rows.enumerated() {
        let field = "device.gemm_table[\(index)]"
        guard let precision = ComputePrecision(rawValue: row.precision) else {
          throw fail(field + ".precision", "unknown precision \"\(row.precision)\"")
        }
        guard row.m > 0, row.n > 0, row.k > 0 else {
          throw fail(field, "m, n and k must be positive")
        }
        try positive(row.seconds, field + ".seconds")
        guard let operands = GEMMOperands(rawValue: row.operands ?? GEMMOperands.plain.rawValue)
        else {
          throw fail(
            field + ".operands", "unknown operands \"\(row.operands ?? "")\" (known: nn, nt, tn)")
        }
        measurements.append(
          GEMMMeasurement(
            precision: precision, operands: operands, m: row.m, n: row.n, k: row.k,
            seconds: row.seconds))
      }
      table = KernelTable(measurements)
    } else if let preset = device.gemmTablePreset {
      guard preset == "h100-80g" else {
        throw fail("device.gemm_table_preset", "unknown table \"\(preset)\" (known: h100-80g)")
      }
      table = KernelTable(H100GEMMTable.measurements)
    }
    if let vector = device.vectorFlops { try positive(vector, "device.vector_flops") }
    for (name, link) in [("intra_node", file.intraNode), ("inter_node", file.interNode)] {
      try positive(link.bandwidth, name + ".bandwidth")
      guard link.latency >= 0, link.latency.isFinite else {
        throw fail(name + ".latency", "must not be negative")
      }
      if let overhead = link.overhead, !(overhead >= 0 && overhead.isFinite) {
        throw fail(name + ".overhead", "must not be negative")
      }
      if let rate = link.localCopyBandwidth { try positive(rate, name + ".local_copy_bandwidth") }
    }
    self.init(
      name: file.name, deviceCount: file.devices, devicesPerNode: file.devicesPerNode,
      device: DeviceSpec(
        name: device.name, memoryBytes: device.memoryBytes, peakFLOPs: peaks,
        memoryBandwidth: device.memoryBandwidth,
        efficiency: KernelEfficiency(
          maxEfficiency: e.maxEfficiency, halfDimension: e.halfDimension, overhead: e.overhead),
        kernelTable: table, vectorFLOPs: device.vectorFlops),
      intraNode: file.intraNode.spec, interNode: file.interNode.spec,
      source: file.source ?? "")
  }

  /// The file form of this cluster (the kernel table written out in full).
  public var file: ClusterFile {
    let d = device
    return ClusterFile(
      format: ClusterFile.currentFormat, name: name, source: source.isEmpty ? nil : source,
      devices: deviceCount,
      devicesPerNode: devicesPerNode,
      device: ClusterFile.Device(
        name: d.name, memoryBytes: d.memoryBytes,
        peakFlops: Dictionary(
          uniqueKeysWithValues: d.peakFLOPs.map { ($0.key.rawValue, $0.value) }),
        memoryBandwidth: d.memoryBandwidth,
        efficiency: ClusterFile.Efficiency(
          maxEfficiency: d.efficiency.maxEfficiency, halfDimension: d.efficiency.halfDimension,
          overhead: d.efficiency.overhead),
        gemmTable: d.kernelTable?.measurements.map {
          ClusterFile.GEMM(
            precision: $0.precision.rawValue,
            operands: $0.operands == .plain ? nil : $0.operands.rawValue, m: $0.m, n: $0.n,
            k: $0.k, seconds: $0.seconds)
        },
        gemmTablePreset: nil, vectorFlops: d.vectorFLOPs),
      intraNode: ClusterFile.Link(intraNode), interNode: ClusterFile.Link(interNode))
  }

  /// Pretty, key-sorted JSON of ``file``.
  public func encodedJSON() throws -> Data {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(file)
  }

  static func describe(_ error: DecodingError, file: String) -> ClusterFileError {
    func path(_ keys: [any CodingKey]) -> String {
      keys.map { key in key.intValue.map { "[\($0)]" } ?? "." + snake(key.stringValue) }.joined()
        .trimmingPrefix(".").description
    }
    switch error {
    case .keyNotFound(let key, let context):
      let field = path(context.codingPath + [key])
      return ClusterFileError(file: file, field: field, message: "is missing")
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return ClusterFileError(
        file: file, field: path(context.codingPath), message: "has the wrong type")
    case .dataCorrupted(let context):
      let field = path(context.codingPath)
      return ClusterFileError(
        file: file, field: field, message: field.isEmpty ? "not valid JSON" : "is malformed")
    @unknown default:
      return ClusterFileError(file: file, field: "", message: "cannot be decoded")
    }
  }

  static func snake(_ camel: String) -> String {
    var result = ""
    for character in camel {
      if character.isUppercase {
        result += "_" + character.lowercased()
      } else {
        result.append(character)
      }
    }
    return result
  }
}

extension ClusterFile.Link {
  /// The file form of `link`; a zero overhead is left out, as older files have it.
  public init(_ link: LinkSpec) {
    self.init(
      bandwidth: link.bandwidth, latency: link.latency,
      overhead: link.overhead == 0 ? nil : link.overhead,
      localCopyBandwidth: link.localCopyBandwidth)
  }

  /// The link this object describes (validated by `Cluster.init(_:file:)`).
  var spec: LinkSpec {
    LinkSpec(
      bandwidth: bandwidth, latency: latency, overhead: overhead ?? 0,
      localCopyBandwidth: localCopyBandwidth)
  }
}
