import Foundation
import TensorOptGraph

/// Imports a native model file (`"format": "tensoropt-model/1"`, see
/// `docs/model-format.md`).
public enum NativeModelImporter {
  /// The format tag native model files carry.
  public static let format = NativeModelParser.format

  /// The model a native model file describes, validated by building its graph
  /// once at batch size 1 and the default sequence length.
  ///
  /// - Parameters:
  ///   - data: the file's contents.
  ///   - file: the file's name, used in errors and as the model's source.
  /// - Throws: ``ModelLoadError`` naming the file and the op, tensor or field at fault.
  public static func model(from data: Data, file: String) throws(ModelLoadError) -> Model {
    do throws(ModelLoadError) {
      let description = try NativeModelParser.parse(try JSONValue.parse(data), file: file)
      return try description.model(source: file)
    } catch {
      throw error.inFile(file)
    }
  }
}
