import ArgumentParser

/// Upper bounds on the sizes the commands accept, checked before any arithmetic
/// or allocation: an absurd value (10^12 devices, a batch of 2^62) ends in one
/// `tensoropt: error:` line and exit code 2, never in an overflow trap or an
/// attempt to allocate terabytes.
enum SizeLimits {
  /// Devices a cost-model command (`evaluate`, `profile`) describes: 2^20.
  static let devices = 1 << 20
  /// Worker threads `validate` starts, one per device.
  static let workers = 1024
  /// Global batch size and sequence length: 2^30.
  static let batch = 1 << 30
  /// Parallel degrees, micro-batch size, interleaving and repetitions: 2^20.
  static let degree = 1 << 20

  /// Throws when `value` is given and exceeds `limit`.
  static func check(_ value: Int?, _ flag: String, atMost limit: Int) throws {
    guard let value, value > limit else { return }
    throw ValidationError("\(flag) \(value) is too large (at most \(limit))")
  }
}

extension StrategyOptions {
  /// Checks the degrees, the micro-batch size and the interleaving against ``SizeLimits``.
  func checkSizes() throws {
    try SizeLimits.check(dp, "--dp", atMost: SizeLimits.degree)
    try SizeLimits.check(tp, "--tp", atMost: SizeLimits.degree)
    try SizeLimits.check(pp, "--pp", atMost: SizeLimits.degree)
    try SizeLimits.check(microbatch, "--microbatch", atMost: SizeLimits.degree)
    try SizeLimits.check(interleave, "--interleave", atMost: SizeLimits.degree)
  }
}

extension WorkloadOptions {
  /// Checks the batch size and the sequence length against ``SizeLimits``.
  func checkSizes() throws {
    try SizeLimits.check(batch, "--batch", atMost: SizeLimits.batch)
    try SizeLimits.check(seq, "--seq", atMost: SizeLimits.batch)
  }
}

extension ClusterOptions {
  /// Checks the node size against ``SizeLimits``.
  func checkSizes() throws {
    try SizeLimits.check(gpusPerNode, "--gpus-per-node", atMost: SizeLimits.devices)
  }
}
