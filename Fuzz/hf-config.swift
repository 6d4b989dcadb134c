import Foundation
import TensorOptImport

/// Fuzz target `hf-config`: the Hugging Face `config.json` importer alone, so
/// that mutations are not spent on the native format.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHuggingFaceConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  FuzzHarness.run(data, size) { input in
    try FuzzHarness.inspect(HuggingFaceImporter.model(from: input, file: "config.json"))
  }
}
