import Testing

@testable import TensorOptExecutor

/// A small deterministic pseudo-random generator for test data.
struct TestRandom {
  var state: UInt64

  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

  mutating func next() -> Float {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(Double(state >> 11) / Double(1 << 53)) * 2 - 1
  }

  mutating func values(_ count: Int, scale: Float = 1) -> [Float] {
    (0..<count).map { _ in next() * scale }
  }
}

/// Checks an analytic gradient against central finite differences of
/// `loss(x) = Σ forward(x) · weights`; returns the norm-wise relative error.
func finiteDifferenceError(
  at x: [Float], weights: [Float], step: Float = 1e-2, forward: ([Float]) -> [Float],
  analytic: [Float]
) -> Double {
  func loss(_ point: [Float]) -> Double {
    zip(forward(point), weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }
  }
  var difference = 0.0
  var norm = 0.0
  for i in x.indices {
    var plus = x
    var minus = x
    plus[i] += step
    minus[i] -= step
    let numeric = (loss(plus) - loss(minus)) / (2 * Double(step))
    difference += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
    norm += numeric * numeric
  }
  return (difference / max(norm, 1e-20)).squareRoot()
}

/// Runs `body` with mutable pointers to copies of `arrays`, returning the copies.
func withPointers(_ arrays: [[Float]], _ body: ([UnsafeMutablePointer<Float>]) -> Void) -> [[Float]]
{
  let buffers = arrays.map { array -> UnsafeMutablePointer<Float> in
    let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(array.count, 1))
    pointer.initialize(repeating: 0, count: max(array.count, 1))
    for (i, v) in array.enumerated() { pointer[i] = v }
    return pointer
  }
  body(buffers)
  defer { buffers.forEach { $0.deallocate() } }
  return zip(buffers, arrays).map { pointer, array in (0..<array.count).map { pointer[$0] } }
}
