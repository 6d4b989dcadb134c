import Foundation
import TensorOptGraph

/// The single entry point for a model argument on the command line or in a script.
public enum ModelLoader {
  /// Loads the model `argument` names.
  ///
  /// An existing file is read as a native model file when it has a `format`
  /// key, or as a Hugging Face `config.json` when it has a `model_type`; a
  /// directory holding a `config.json` (a Hugging Face checkout) reads that
  /// file; any other argument is a zoo name (see ``ModelZoo/locate()``).
  ///
  /// - Parameter zoo: the zoo for bare names (by default the located one).
  /// - Throws: ``ModelLoadError`` naming the file and what is wrong; an unknown
  ///   name lists the zoo.
  public static func load(_ argument: String, zoo: ModelZoo? = ModelZoo.locate())
    throws(ModelLoadError) -> Model
  {
    let looksLikePath = argument.contains("/") || argument.hasSuffix(".json")
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { return try loadFile(argument) }
      let config = (argument as NSString).appendingPathComponent("config.json")
      if FileManager.default.fileExists(atPath: config) { return try loadFile(config) }
      // A directory that happens to share a zoo model's name does not hide the model.
      if looksLikePath || zoo?.names.contains(argument) != true {
        throw ModelLoadError(
          file: argument, subject: "", message: "is a directory without a config.json")
      }
    }
    guard let zoo else {
      let message =
        looksLikePath
        ? "no such file"
        : "no such file, and the model zoo was not found (set \(ModelZoo.environmentVariable))"
      throw ModelLoadError(file: argument, subject: "", message: message)
    }
    if looksLikePath {
      throw ModelLoadError(file: argument, subject: "", message: "no such file")
    }
    return try zoo.load(argument)
  }

  /// Loads a model file, native or Hugging Face, deciding by its content.
  ///
  /// - Throws: ``ModelLoadError`` when the file cannot be read or parsed.
  public static func loadFile(_ path: String) throws(ModelLoadError) -> Model {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ModelLoadError(file: path, subject: "", message: "cannot read the file")
    }
    return try model(from: data, file: path)
  }

  /// The model in `data`: native (a `format` key) or Hugging Face (a `model_type` key).
  ///
  /// - Parameter file: the name used in errors and as the model's source.
  public static func model(from data: Data, file: String) throws(ModelLoadError) -> Model {
    let document: JSONValue
    do throws(ModelLoadError) {
      document = try JSONValue.parse(data)
    } catch {
      throw error.inFile(file)
    }
    guard case .object(let members) = document else {
      throw ModelLoadError(
        file: file, subject: "", message: "expected a JSON object, got \(document.typeName)")
    }
    if members["format"] != nil { return try NativeModelImporter.model(from: data, file: file) }
    if members["model_type"] != nil { return try HuggingFaceImporter.model(from: data, file: file) }
    throw ModelLoadError(
      file: file, subject: "",
      message:
        "neither a TensorOpt model (no 'format' key) nor a Hugging Face config.json (no 'model_type' key)"
    )
  }
}
