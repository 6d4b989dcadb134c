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

  /// Checks the options `evaluate` and `validate` share.
  static func checkStrategy(
    batch: Int?, seq: Int?, dp: Int?, tp: Int, pp: Int, microbatch: Int?, interleave: Int
  ) throws {
    try check(batch, "--batch", atMost: Self.batch)
    try check(seq, "--seq", atMost: Self.batch)
    try check(dp, "--dp", atMost: degree)
    try check(tp, "--tp", atMost: degree)
    try check(pp, "--pp", atMost: degree)
    try check(microbatch, "--microbatch", atMost: degree)
    try check(interleave, "--interleave", atMost: degree)
  }
}
