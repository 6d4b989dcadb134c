import Foundation
import TensorOptGraph
import TensorOptImport
import Testing

@Suite("Hugging Face config.json import")
struct HuggingFaceImportTests {
  func summary(_ config: String) throws -> ModelSummary {
    try ModelSummary(model: HuggingFaceImporter.model(from: Data(config.utf8), file: "config.json"))
  }

  @Test(
    "a real config.json gives the zoo entry's parameters, FLOPs and operators",
    arguments: [
      (HuggingFaceFixtures.gpt2, "gpt2"),
      (HuggingFaceFixtures.llama2_7b, "llama2-7b"),
      (HuggingFaceFixtures.llama2_70b, "llama2-70b"),
      (HuggingFaceFixtures.bertLargeUncased, "bert-large"),
    ])
  func matchesZoo(config: String, zooName: String) throws {
    let imported = try summary(config)
    let zoo = try TestSupport.summary(zooName)
    #expect(imported.parameters == zoo.parameters)
    #expect(imported.operatorCount == zoo.operatorCount)
    #expect(imported.layerCount == zoo.layerCount)
    #expect(imported.sequenceLength == zoo.sequenceLength)
    #expect(
      abs(imported.flopsPerSampleForward - zoo.flopsPerSampleForward) <= 1e-9
        * zoo.flopsPerSampleForward)
    #expect(imported.activationBytesPerSample == zoo.activationBytesPerSample)
  }

  @Test("gpt2 config: parameters equal 124,439,808 (n_inner null means 4·n_embd)")
  func gpt2Count() throws {
    #expect(try summary(HuggingFaceFixtures.gpt2).parameters == 124_439_808)
  }

  @Test("llama config: tie_word_embeddings true drops the LM head's parameters")
  func tiedLlama() throws {
    let tied = HuggingFaceFixtures.llama2_7b.replacingOccurrences(
      of: "\"tie_word_embeddings\": false", with: "\"tie_word_embeddings\": true")
    #expect(try summary(tied).parameters == 6_738_415_616 - 4096 * 32000)
  }

  @Test("ModelLoader tells a Hugging Face config from a native file by its content")
  func loaderDetectsHuggingFace() throws {
    let model = try ModelLoader.model(
      from: Data(HuggingFaceFixtures.bertLargeUncased.utf8), file: "config.json")
    #expect(model.family == .language)
    #expect(model.defaults.sequenceLength == 512)
  }
}

@Suite("Hugging Face config.json variants")
struct HuggingFaceVariantTests {
  @Test("an older gpt2 config with n_ctx instead of n_positions imports the same model")
  func contextLengthFallback() throws {
    let config = HuggingFaceFixtures.gpt2.replacingOccurrences(
      of: "\"n_positions\": 1024,", with: "")
    let model = try HuggingFaceImporter.model(from: Data(config.utf8), file: "config.json")
    #expect(model.defaults.sequenceLength == 1024)
    #expect(try ModelSummary(model: model).parameters == 124_439_808)
  }

  @Test("a gpt2 config with neither n_positions nor n_ctx names n_positions")
  func contextLengthMissing() throws {
    let config = HuggingFaceFixtures.gpt2.replacingOccurrences(
      of: "\"n_positions\": 1024,", with: ""
    )
    .replacingOccurrences(of: "\"n_ctx\": 1024,", with: "")
    let e = #expect(throws: ModelLoadError.self) {
      try HuggingFaceImporter.model(from: Data(config.utf8), file: "config.json")
    }
    #expect(e?.message.contains("'n_positions'") == true)
  }
}
