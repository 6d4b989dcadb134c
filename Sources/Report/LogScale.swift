import Foundation

/// A logarithmic axis from `lower` to `upper` drawn over `start ... end` pixels.
struct LogScale: Sendable {
  var lower: Double
  var upper: Double
  var start: Double
  var end: Double

  /// A scale covering `values` with a margin, never empty.
  init(covering values: [Double], start: Double, end: Double) {
    let positive = values.filter { $0 > 0 && $0.isFinite }
    var low = positive.min() ?? 1
    var high = positive.max() ?? 10
    if high / low < 1.5 {
      low /= 1.25
      high *= 1.25
    }
    self.lower = low / 1.15
    self.upper = high * 1.15
    self.start = start
    self.end = end
  }

  /// The pixel position of `value`.
  func position(_ value: Double) -> Double {
    let clamped = min(max(value, lower), upper)
    let fraction = (log10(clamped) - log10(lower)) / (log10(upper) - log10(lower))
    return start + fraction * (end - start)
  }

  /// Round values (1, 2, 5 × 10ⁿ, or every digit on a short axis) inside the scale.
  var ticks: [Double] {
    func values(_ mantissas: [Double]) -> [Double] {
      var result: [Double] = []
      var exponent = floor(log10(lower))
      while pow(10, exponent) <= upper * 10 {
        for m in mantissas {
          let value = m * pow(10, exponent)
          if value >= lower, value <= upper { result.append(value) }
        }
        exponent += 1
      }
      return result
    }
    let coarse = values([1, 2, 5])
    return coarse.count >= 3 ? coarse : values([1, 2, 3, 4, 5, 6, 7, 8, 9])
  }
}
