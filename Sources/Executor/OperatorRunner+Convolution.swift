import TensorOptCost
import TensorOptGraph

extension OperatorRunner {
  private func window(_ x: DeviceTensor) -> WindowGeometry {
    WindowGeometry(
      channels: x.shape[1], height: x.shape[2], width: x.shape[3], kernel: op.attributes.kernel,
      stride: op.attributes.stride, padding: op.attributes.padding)
  }

  /// The mesh axes whose groups share batch-norm statistics: those splitting any
  /// axis of the input but the channels.
  private var statisticsAxes: [Int] {
    placement.inputs[0].splitAxis.indices.filter {
      if let axis = placement.inputs[0].splitAxis[$0] { return axis != 1 }
      return false
    }
  }

  /// Forward of convolution, pooling and batch normalisation on NCHW blocks.
  func convolutionalForward(_ x: DeviceTensor) throws(ExecutorError) -> (
    DeviceTensor, [DeviceTensor]
  ) {
    let name = op.kind.rawValue
    let timer = worker.trace
    switch op.kind {
    case .conv2d:
      let weight = parameters[0]
      let g = window(x)
      let outChannels = weight.shape[0]
      let samples = x.shape[0]
      let y = tensor([samples, outChannels, g.outputHeight, g.outputWidth])
      let columns = tensor([g.patchSize, g.outputPositions])
      let bias = parameters.count > 1 && leads(axes("in_channels")) ? parameters[1] : nil
      timer.timed(name) {
        for n in 0..<samples {
          ConvolutionKernels.im2col(
            x.pointer + n * g.channels * g.height * g.width, columns.pointer, geometry: g)
          let out = y.pointer + n * outChannels * g.outputPositions
          Gemm.multiply(
            weight.pointer, columns.pointer, into: out, m: outChannels, n: g.outputPositions,
            k: g.patchSize)
          if let bias {
            for c in 0..<outChannels {
              let b = bias.pointer[c]
              let row = out + c * g.outputPositions
              for p in 0..<g.outputPositions { row[p] += b }
            }
          }
        }
      }
      return (y, [x])
    case .maxPool, .avgPool:
      let g = window(x)
      let planes = x.shape[0] * x.shape[1]
      let y = tensor([x.shape[0], x.shape[1], g.outputHeight, g.outputWidth])
      let argmax = op.kind == .maxPool ? tensor([planes * g.outputPositions]) : nil
      timer.timed(name) {
        ConvolutionKernels.pool(
          x.pointer, y.pointer, argmax: argmax?.pointer, planes: planes, geometry: g,
          max: op.kind == .maxPool)
      }
      return (y, argmax.map { [$0] } ?? [])
    case .globalAvgPool:
      let planes = x.shape[0] * x.shape[1]
      let area = x.count / max(planes, 1)
      let y = tensor([x.shape[0], x.shape[1]])
      timer.timed(name) {
        for p in 0..<planes {
          var sum: Float = 0
          for i in 0..<area { sum += x.pointer[p * area + i] }
          y.pointer[p] = sum / Float(area)
        }
      }
      return (y, [])
    default:
      return try batchNormForward(x)
    }
  }

  private func batchNormForward(_ x: DeviceTensor) throws(ExecutorError) -> (
    DeviceTensor, [DeviceTensor]
  ) {
    let samples = x.shape[0]
    let channels = x.shape.count > 1 ? x.shape[1] : 1
    let inner = x.count / max(samples * channels, 1)
    let count = Float(
      inputShapes[0].reduce(1, *) / max(inputShapes[0].count > 1 ? inputShapes[0][1] : 1, 1))
    let group = view.group(alongAxes: statisticsAxes)
    let statistics = tensor([2, channels])  // mean, then reciprocal standard deviation
    let mean = statistics.pointer
    let rstd = statistics.pointer + channels
    /// Adds Σ (x − center)^power per channel into `out` (`center` nil: 0).
    func channelSums(
      power: Int, center: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>
    ) {
      for n in 0..<samples {
        for c in 0..<channels {
          let base = x.pointer + (n * channels + c) * inner
          let shift = center?[c] ?? 0
          var sum: Float = 0
          for i in 0..<inner {
            let d = base[i] - shift
            sum += power == 1 ? d : d * d
          }
          out[c] += sum
        }
      }
    }
    worker.trace.timed("batchnorm-statistics") { channelSums(power: 1, center: nil, into: mean) }
    if group.count > 1 {
      try worker.communicator.allReduce(
        UnsafeMutableBufferPointer(start: mean, count: channels), group: group)
    }
    for c in 0..<channels { mean[c] /= count }
    worker.trace.timed("batchnorm-statistics") { channelSums(power: 2, center: mean, into: rstd) }
    if group.count > 1 {
      try worker.communicator.allReduce(
        UnsafeMutableBufferPointer(start: rstd, count: channels), group: group)
    }
    for c in 0..<channels { rstd[c] = 1 / (rstd[c] / count + NormKernels.epsilon).squareRoot() }
    let y = tensor(x.shape)
    worker.trace.timed("batchnorm") {
      for n in 0..<samples {
        for c in 0..<channels {
          let offset = (n * channels + c) * inner
          let scale = rstd[c] * parameters[0].pointer[c]
          let shift = parameters[1].pointer[c]
          for i in 0..<inner {
            y.pointer[offset + i] = (x.pointer[offset + i] - mean[c]) * scale + shift
          }
        }
      }
    }
    return (y, [x, statistics])
  }

  /// Backward of convolution, pooling and batch normalisation.
  func convolutionalBackward(_ saved: SavedActivations, outputGradient dy: DeviceTensor)
    throws(ExecutorError) -> (
      [DeviceTensor?], [DeviceTensor]
    )
  {
    let name = op.kind.rawValue + "-backward"
    let timer = worker.trace
    let inputShape = saved.inputShapes[0]
    switch op.kind {
    case .conv2d:
      let x = saved.tensors[0]
      let weight = parameters[0]
      let g = window(x)
      let outChannels = weight.shape[0]
      let samples = x.shape[0]
      let dx = tensor(x.shape)
      let dw = tensor(weight.shape)
      let db = parameters.count > 1 ? tensor(parameters[1].shape) : nil
      let columns = tensor([g.patchSize, g.outputPositions])
      let dcolumns = tensor([g.patchSize, g.outputPositions])
      let leadsBias = leads(axes("in_channels"))
      timer.timed(name) {
        for n in 0..<samples {
          let gradient = dy.pointer + n * outChannels * g.outputPositions
          ConvolutionKernels.im2col(
            x.pointer + n * g.channels * g.height * g.width, columns.pointer, geometry: g)
          Gemm.multiply(
            gradient, columns.pointer, into: dw.pointer, m: outChannels, n: g.patchSize,
            k: g.outputPositions,
            transposeB: true, beta: 1)
          Gemm.multiply(
            weight.pointer, gradient, into: dcolumns.pointer, m: g.patchSize, n: g.outputPositions,
            k: outChannels,
            transposeA: true)
          ConvolutionKernels.col2im(
            dcolumns.pointer, dx.pointer + n * g.channels * g.height * g.width, geometry: g)
          if let db, leadsBias {
            for c in 0..<outChannels {
              var sum: Float = 0
              for p in 0..<g.outputPositions { sum += gradient[c * g.outputPositions + p] }
              db.pointer[c] += sum
            }
          }
        }
      }
      return ([dx], [dw] + (db.map { [$0] } ?? []))
    case .maxPool, .avgPool:
      let dx = tensor(inputShape)
      let g = WindowGeometry(
        channels: inputShape[1], height: inputShape[2], width: inputShape[3],
        kernel: op.attributes.kernel,
        stride: op.attributes.stride, padding: op.attributes.padding)
      timer.timed(name) {
        ConvolutionKernels.poolBackward(
          dy.pointer, dx.pointer, argmax: saved.tensors.first.map { UnsafePointer($0.pointer) },
          planes: inputShape[0] * inputShape[1], geometry: g)
      }
      return ([dx], [])
    case .globalAvgPool:
      let dx = tensor(inputShape)
      let planes = inputShape[0] * inputShape[1]
      let area = dx.count / max(planes, 1)
      timer.timed(name) {
        for p in 0..<planes {
          let value = dy.pointer[p] / Float(area)
          for i in 0..<area { dx.pointer[p * area + i] = value }
        }
      }
      return ([dx], [])
    default:
      return try batchNormBackward(saved, outputGradient: dy)
    }
  }

  private func batchNormBackward(_ saved: SavedActivations, outputGradient dy: DeviceTensor)
    throws(ExecutorError)
    -> ([DeviceTensor?], [DeviceTensor])
  {
    let x = saved.tensors[0]
    let statistics = saved.tensors[1]
    let samples = x.shape[0]
    let channels = x.shape.count > 1 ? x.shape[1] : 1
    let inner = x.count / max(samples * channels, 1)
    let count = Float(
      inputShapes[0].reduce(1, *) / max(inputShapes[0].count > 1 ? inputShapes[0][1] : 1, 1))
    let mean = statistics.pointer
    let rstd = statistics.pointer + channels
    let dgamma = tensor([channels])
    let dbeta = tensor([channels])
    worker.trace.timed("batchnorm-backward") {
      for n in 0..<samples {
        for c in 0..<channels {
          let offset = (n * channels + c) * inner
          for i in 0..<inner {
            let g = dy.pointer[offset + i]
            dbeta.pointer[c] += g
            dgamma.pointer[c] += g * (x.pointer[offset + i] - mean[c]) * rstd[c]
          }
        }
      }
    }
    // The parameter gradients stay partial (synced later over the same axes); dx
    // needs the sums over the whole batch now.
    let sums = tensor([2, channels])
    sums.pointer.update(from: dbeta.pointer, count: channels)
    (sums.pointer + channels).update(from: dgamma.pointer, count: channels)
    let group = view.group(alongAxes: statisticsAxes)
    if group.count > 1 { try worker.communicator.allReduce(sums.storage, group: group) }
    let dx = tensor(x.shape)
    worker.trace.timed("batchnorm-backward") {
      for n in 0..<samples {
        for c in 0..<channels {
          let offset = (n * channels + c) * inner
          let scale = parameters[0].pointer[c] * rstd[c] / count
          let sumG = sums.pointer[c]
          let sumGX = sums.pointer[channels + c]
          for i in 0..<inner {
            let xhat = (x.pointer[offset + i] - mean[c]) * rstd[c]
            dx.pointer[offset + i] = scale * (count * dy.pointer[offset + i] - sumG - xhat * sumGX)
          }
        }
      }
    }
    return ([dx], [dgamma, dbeta])
  }
}
