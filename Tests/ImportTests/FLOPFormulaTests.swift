import TensorOptImport
import Testing

@Suite("Forward FLOPs of GPT models")
struct FLOPFormulaTests {
  /// 24·L·s·h² + 4·L·s²·h + 2·s·h·V, the standard closed form for one sequence.
  static func closedForm(layers: Double, sequence: Double, hidden: Double, vocab: Double) -> Double
  {
    24 * layers * sequence * hidden * hidden + 4 * layers * sequence * sequence * hidden
      + 2 * sequence * hidden * vocab
  }

  @Test("gpt2 forward FLOPs per sequence are within 2% of the closed form")
  func gpt2() throws {
    let expected = Self.closedForm(layers: 12, sequence: 1024, hidden: 768, vocab: 50257)
    let actual = try TestSupport.summary("gpt2").flopsPerSampleForward
    #expect(abs(actual - expected) / expected < 0.02)
  }

  @Test("gpt3-175b forward FLOPs per sequence are within 2% of the closed form")
  func gpt3() throws {
    let expected = Self.closedForm(layers: 96, sequence: 2048, hidden: 12288, vocab: 50257)
    let actual = try TestSupport.summary("gpt3-175b").flopsPerSampleForward
    #expect(abs(actual - expected) / expected < 0.02)
  }

  @Test("FLOPs per sample do not depend on the batch size the graph is built with")
  func perSampleIndependentOfBatch() throws {
    let model = try TestSupport.zoo.load("gpt2")
    let one = try ModelSummary(model: model, batchSize: 1)
    let eight = try ModelSummary(model: model, batchSize: 8)
    #expect(
      abs(one.flopsPerSampleForward - eight.flopsPerSampleForward) / one.flopsPerSampleForward
        < 1e-12)
    #expect(one.parameters == eight.parameters)
  }
}
