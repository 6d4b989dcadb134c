/// A training framework `tensoropt export` writes a configuration for.
public enum ExportTarget: String, CaseIterable, Codable, Sendable {
  /// Megatron-LM command-line arguments.
  case megatron
  /// A DeepSpeed JSON configuration.
  case deepspeed
  /// torchtitan TOML sections.
  case torchtitan

  /// The framework's name as people write it.
  public var displayName: String {
    switch self {
    case .megatron: "Megatron-LM"
    case .deepspeed: "DeepSpeed"
    case .torchtitan: "torchtitan"
    }
  }
}
