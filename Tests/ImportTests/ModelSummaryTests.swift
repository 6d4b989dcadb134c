import TensorOptImport
import Testing

@Suite("Model summary")
struct ModelSummaryTests {
  @Test("gpt2 is summarised as embeddings, 12 repeated layers, and the head")
  func gpt2Segments() throws {
    let summary = try TestSupport.summary("gpt2")
    #expect(summary.segments.map(\.kind) == ["ops", "block", "ops"])
    let layers = summary.segments[1]
    #expect(layers.name == "layers")
    #expect(layers.block == "layer")
    #expect(layers.repeatCount == 12)
    #expect(layers.parameters == 12 * 7_087_872)
    #expect(summary.segments.map(\.parameters).reduce(0, +) == summary.parameters)
    #expect(summary.layerCount == 12)
    #expect(summary.sequenceLength == 1024)
  }

  @Test("segment FLOPs and activations add up to the model's")
  func segmentsAddUp() throws {
    for name in ["resnet50", "llama2-7b", "vgg16"] {
      let summary = try TestSupport.summary(name)
      let flops = summary.segments.map(\.flopsPerSampleForward).reduce(0, +)
      let bytes = summary.segments.map(\.activationBytesPerSample).reduce(0, +)
      #expect(
        abs(flops - summary.flopsPerSampleForward) <= 1e-9 * summary.flopsPerSampleForward,
        "\(name)")
      #expect(
        abs(bytes - summary.activationBytesPerSample) <= 1e-9 * summary.activationBytesPerSample,
        "\(name)")
    }
  }

  @Test("a vision model reports no sequence length")
  func visionHasNoSequence() throws {
    #expect(try TestSupport.summary("resnet50").sequenceLength == nil)
  }
}
