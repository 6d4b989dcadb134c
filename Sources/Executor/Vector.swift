/// Element-wise helpers on contiguous fp32 buffers, written to vectorise.
public enum Vector {
  /// `destination[i] += source[i]`.
  @inline(__always)
  public static func add(
    _ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Float>
  ) {
    assert(source.count == destination.count)
    guard let s = source.baseAddress, let d = destination.baseAddress else { return }
    add(s, into: d, count: source.count)
  }

  /// `destination[i] += source[i]` for `count` elements.
  @inline(__always)
  public static func add(
    _ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int
  ) {
    var i = 0
    while i + 8 <= count {
      let a = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self)
      let b = UnsafeRawPointer(destination + i).loadUnaligned(as: SIMD8<Float>.self)
      UnsafeMutableRawPointer(destination + i).storeBytes(of: a + b, as: SIMD8<Float>.self)
      i += 8
    }
    while i < count {
      destination[i] += source[i]
      i += 1
    }
  }

  /// `destination[i] = source[i]` for `count` elements.
  @inline(__always)
  public static func copy(
    _ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int
  ) {
    destination.update(from: source, count: count)
  }
}
