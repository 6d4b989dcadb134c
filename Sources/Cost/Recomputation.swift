/// Which activations are recomputed in the backward pass instead of kept.
public enum Recomputation: String, Codable, Sendable, CaseIterable, Hashable {
  /// Keep every activation.
  case none
  /// Recompute the attention core (QKᵀ, softmax, ·V): keep its packed input only
  /// (Korthikanti et al. 2022, "selective activation recomputation").
  case selective
  /// Keep only each repeated block's input; rerun the block's forward in backward.
  case full
}
