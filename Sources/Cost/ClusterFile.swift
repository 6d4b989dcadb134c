/// The JSON form of a ``Cluster`` (`"format": "tensoropt-cluster/1"`), field
/// for field as `docs/cluster-format.md` documents it.
public struct ClusterFile: Codable, Hashable, Sendable {
  /// The format tag every cluster file carries.
  public static let currentFormat = "tensoropt-cluster/1"

  /// Must be ``currentFormat``.
  public var format: String
  /// A display name.
  public var name: String
  /// Free text: where the figures come from.
  public var source: String?
  /// The number of devices.
  public var devices: Int
  /// Devices per node.
  public var devicesPerNode: Int
  /// The device.
  public var device: Device
  /// The link inside a node.
  public var intraNode: Link
  /// The link between nodes.
  public var interNode: Link

  /// The `device` object.
  public struct Device: Codable, Hashable, Sendable {
    /// A display name.
    public var name: String
    /// Bytes of device memory.
    public var memoryBytes: Double
    /// Peak dense FLOP/s keyed by `fp32`, `tf32`, `fp16`, `bf16` (`fp32` required).
    public var peakFlops: [String: Double]
    /// Bytes per second of memory traffic.
    public var memoryBandwidth: Double
    /// The analytic kernel-efficiency model.
    public var efficiency: Efficiency
    /// Measured matrix products (optional).
    public var gemmTable: [GEMM]?
    /// The name of a built-in table to use instead (`"h100-80g"`).
    public var gemmTablePreset: String?
    /// FLOP/s of non-matrix arithmetic (optional; default the fp32 peak).
    public var vectorFlops: Double?
  }

  /// The `efficiency` object.
  public struct Efficiency: Codable, Hashable, Sendable {
    /// Fraction of peak reached by large products.
    public var maxEfficiency: Double
    /// Extent that alone halves efficiency.
    public var halfDimension: Double
    /// Fixed seconds per kernel.
    public var overhead: Double
  }

  /// One `gemm_table` row.
  public struct GEMM: Codable, Hashable, Sendable {
    /// `fp32`, `tf32`, `fp16` or `bf16`.
    public var precision: String
    /// How the product read its operands: `nn` (`A · B`, the default when
    /// absent), `nt` (`A · Bᵀ`) or `tn` (`Aᵀ · B`).
    public var operands: String? = nil
    /// Result rows.
    public var m: Int
    /// Result columns.
    public var n: Int
    /// Contracted extent.
    public var k: Int
    /// Median seconds.
    public var seconds: Double
  }

  /// A link object.
  public struct Link: Codable, Hashable, Sendable {
    /// Bytes per second per device, each direction.
    public var bandwidth: Double
    /// Seconds per message.
    public var latency: Double
    /// Seconds per collective call besides `latency` per step (absent: 0).
    public var overhead: Double? = nil
    /// Bytes per second of a member's serial copy of its own chunk (absent: the
    /// copy overlaps the transfers).
    public var localCopyBandwidth: Double? = nil
  }
}
