/// The geometry of a 2-D convolution or pooling window on NCHW tensors.
public struct WindowGeometry: Hashable, Sendable {
  /// Input channels, height, width.
  public var channels: Int, height: Int, width: Int
  /// Window height and width.
  public var kernelHeight: Int, kernelWidth: Int
  /// Strides.
  public var strideHeight: Int, strideWidth: Int
  /// Zero padding.
  public var padHeight: Int, padWidth: Int

  /// Creates a geometry.
  public init(
    channels: Int, height: Int, width: Int, kernel: [Int], stride: [Int], padding: [Int]
  ) {
    self.channels = channels
    self.height = height
    self.width = width
    kernelHeight = kernel.first ?? 1
    kernelWidth = kernel.last ?? 1
    strideHeight = stride.first ?? 1
    strideWidth = stride.last ?? 1
    padHeight = padding.first ?? 0
    padWidth = padding.last ?? 0
  }

  /// Output height.
  public var outputHeight: Int { (height + 2 * padHeight - kernelHeight) / strideHeight + 1 }
  /// Output width.
  public var outputWidth: Int { (width + 2 * padWidth - kernelWidth) / strideWidth + 1 }
  /// Rows of the unfolded input: `channels · kernelHeight · kernelWidth`.
  public var patchSize: Int { channels * kernelHeight * kernelWidth }
  /// Output positions per channel.
  public var outputPositions: Int { outputHeight * outputWidth }
}

/// 2-D convolution (groups = 1) through im2col and OpenBLAS, and pooling, forward and backward.
public enum ConvolutionKernels {
  /// Unfolds one sample `[channels, height, width]` into `[patchSize, outputPositions]`.
  public static func im2col(
    _ x: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, geometry g: WindowGeometry
  ) {
    var row = 0
    for c in 0..<g.channels {
      for ki in 0..<g.kernelHeight {
        for kj in 0..<g.kernelWidth {
          let out = columns + row * g.outputPositions
          for oh in 0..<g.outputHeight {
            let ih = oh * g.strideHeight - g.padHeight + ki
            for ow in 0..<g.outputWidth {
              let iw = ow * g.strideWidth - g.padWidth + kj
              let inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width
              out[oh * g.outputWidth + ow] = inside ? x[(c * g.height + ih) * g.width + iw] : 0
            }
          }
          row += 1
        }
      }
    }
  }

  /// Adds the columns back into one sample's gradient (the adjoint of ``im2col(_:_:geometry:)``).
  public static func col2im(
    _ columns: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, geometry g: WindowGeometry
  ) {
    var row = 0
    for c in 0..<g.channels {
      for ki in 0..<g.kernelHeight {
        for kj in 0..<g.kernelWidth {
          let column = columns + row * g.outputPositions
          for oh in 0..<g.outputHeight {
            let ih = oh * g.strideHeight - g.padHeight + ki
            guard ih >= 0 && ih < g.height else { continue }
            for ow in 0..<g.outputWidth {
              let iw = ow * g.strideWidth - g.padWidth + kj
              if iw >= 0 && iw < g.width {
                dx[(c * g.height + ih) * g.width + iw] += column[oh * g.outputWidth + ow]
              }
            }
          }
          row += 1
        }
      }
    }
  }

  /// Max or average pooling of `planes` planes; max pooling records each output's
  /// winning input offset in `argmax` for backward. Average pooling divides by the
  /// window area (padding counts as zeros).
  public static func pool(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    argmax: UnsafeMutablePointer<Float>?, planes: Int,
    geometry g: WindowGeometry, max isMax: Bool
  ) {
    let area = Float(g.kernelHeight * g.kernelWidth)
    for p in 0..<planes {
      let plane = x + p * g.height * g.width
      let out = y + p * g.outputPositions
      for oh in 0..<g.outputHeight {
        for ow in 0..<g.outputWidth {
          var best = -Float.infinity
          var bestIndex = -1
          var sum: Float = 0
          for ki in 0..<g.kernelHeight {
            let ih = oh * g.strideHeight - g.padHeight + ki
            guard ih >= 0 && ih < g.height else { continue }
            for kj in 0..<g.kernelWidth {
              let iw = ow * g.strideWidth - g.padWidth + kj
              guard iw >= 0 && iw < g.width else { continue }
              let v = plane[ih * g.width + iw]
              sum += v
              if v > best {
                best = v
                bestIndex = ih * g.width + iw
              }
            }
          }
          let o = oh * g.outputWidth + ow
          out[o] = isMax ? (bestIndex >= 0 ? best : 0) : sum / area
          argmax?[p * g.outputPositions + o] = Float(bestIndex)
        }
      }
    }
  }

  /// The input gradient of ``pool(_:_:argmax:planes:geometry:max:)``.
  public static func poolBackward(
    _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, argmax: UnsafePointer<Float>?,
    planes: Int,
    geometry g: WindowGeometry
  ) {
    dx.update(repeating: 0, count: planes * g.height * g.width)
    let area = Float(g.kernelHeight * g.kernelWidth)
    for p in 0..<planes {
      let plane = dx + p * g.height * g.width
      let gradient = dy + p * g.outputPositions
      for oh in 0..<g.outputHeight {
        for ow in 0..<g.outputWidth {
          let o = oh * g.outputWidth + ow
          if let argmax {
            let index = Int(argmax[p * g.outputPositions + o])
            if index >= 0 { plane[index] += gradient[o] }
            continue
          }
          for ki in 0..<g.kernelHeight {
            let ih = oh * g.strideHeight - g.padHeight + ki
            guard ih >= 0 && ih < g.height else { continue }
            for kj in 0..<g.kernelWidth {
              let iw = ow * g.strideWidth - g.padWidth + kj
              if iw >= 0 && iw < g.width { plane[ih * g.width + iw] += gradient[o] / area }
            }
          }
        }
      }
    }
  }
}
