/// How the layers of a model's repeated blocks (counted over the whole model,
/// in order) are dealt to pipeline model chunks: chunk `c` runs the next
/// ``chunkLayers``[c] layers. With interleaving (`v` chunks per device) device
/// stage `s` runs chunks `s, s + p, …`.
///
/// Operators outside blocks go with a layer: those before the first layer with
/// layer 0 (chunk 0), every other with the layer that precedes it.
public struct LayerPartition: Hashable, Sendable {
  /// Layers per chunk, in chunk order.
  public let chunkLayers: [Int]
  /// The chunk of every layer.
  private let chunkOfLayer: [Int]

  /// A partition with `chunkLayers[c]` layers in chunk `c` (each at least 0).
  public init(chunkLayers: [Int]) {
    self.chunkLayers = chunkLayers
    var owners: [Int] = []
    for (chunk, count) in chunkLayers.enumerated() {
      owners += Array(repeating: chunk, count: max(count, 0))
    }
    chunkOfLayer = owners
  }

  /// The near-balanced partition of `layers` layers into `chunks` chunks:
  /// `⌊layers/chunks⌋` each, the first `layers mod chunks` chunks one more
  /// (exactly `layers/chunks` each when it divides).
  public static func balanced(layers: Int, chunks: Int) -> LayerPartition {
    let count = max(chunks, 1)
    let base = max(layers, 0) / count
    let extra = max(layers, 0) % count
    return LayerPartition(chunkLayers: (0..<count).map { base + ($0 < extra ? 1 : 0) })
  }

  /// The number of chunks.
  public var chunks: Int { chunkLayers.count }

  /// The number of layers.
  public var layers: Int { chunkOfLayer.count }

  /// Whether every chunk holds the same number of layers.
  public var isUniform: Bool { Set(chunkLayers).count <= 1 }

  /// The chunk running `layer` (layers beyond the last go to the last chunk).
  public func chunk(ofLayer layer: Int) -> Int {
    guard !chunkOfLayer.isEmpty else { return 0 }
    return chunkOfLayer[min(max(layer, 0), chunkOfLayer.count - 1)]
  }

  /// The chunk an operator outside blocks runs in when `layersBefore` layers
  /// precede it: chunk 0 before the first layer, else the preceding layer's.
  public func chunk(afterLayers layersBefore: Int) -> Int {
    layersBefore == 0 ? 0 : chunk(ofLayer: layersBefore - 1)
  }

  /// The half-open layer ranges `[start, end)` of the non-empty chunks device
  /// stage `stage` of `stages` runs (`[[0, 0]]` for stage 0 of a model without layers).
  public func ranges(ofStage stage: Int, stages: Int) -> [[Int]] {
    guard layers > 0 else { return stage == 0 ? [[0, 0]] : [] }
    var starts = [0]
    for count in chunkLayers { starts.append(starts[starts.count - 1] + max(count, 0)) }
    return stride(from: stage, to: chunks, by: max(stages, 1)).compactMap { chunk in
      starts[chunk] < starts[chunk + 1] ? [starts[chunk], starts[chunk + 1]] : nil
    }
  }
}

extension ParallelStrategy {
  /// How this strategy deals `layers` layers to its `pp · interleave` chunks:
  /// ``stageLayers`` when given (interleave 1), otherwise balanced.
  public func partition(layers: Int) -> LayerPartition {
    if let stageLayers, interleave == 1, stageLayers.count == pipelineStages {
      return LayerPartition(chunkLayers: stageLayers)
    }
    return .balanced(layers: layers, chunks: pipelineStages * interleave)
  }
}
