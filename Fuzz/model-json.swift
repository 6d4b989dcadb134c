import Foundation
import TensorOptImport

/// Fuzz target `model-json`: any file handed to `tensoropt inspect FILE`.
///
/// `ModelLoader.model(from:file:)` decides by content, so this target reaches
/// the native importer (a `format` key) and the Hugging Face one (`model_type`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  FuzzHarness.run(data, size) { input in
    try FuzzHarness.inspect(ModelLoader.model(from: input, file: "fuzz.json"))
  }
}
