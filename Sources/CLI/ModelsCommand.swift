import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt models`: the model zoo.
struct ModelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "models",
    abstract: "List the model zoo with parameter counts and training defaults.")

  @Option(help: "Output format: table or json.")
  var format: OutputFormat = .table

  /// One zoo entry.
  struct Entry: Codable {
    var name: String
    var family: String
    var parameters: Int
    var layers: Int
    var sequenceLength: Int?
    var globalBatchSize: Int
    var dtype: String

    enum CodingKeys: String, CodingKey {
      case name, family, parameters, layers, dtype
      case sequenceLength = "sequence_length"
      case globalBatchSize = "global_batch_size"
    }
  }

  func run() throws {
    let (directory, entries) = try reportingUserErrors { () throws -> (String, [Entry]) in
      guard let zoo = ModelZoo.locate() else {
        throw ModelLoadError(
          file: "Models", subject: "",
          message:
            "the model zoo was not found (set \(ModelZoo.environmentVariable) to its directory)")
      }
      let entries = try zoo.names.map { name in
        let model = try zoo.load(name)
        let summary = try ModelSummary(model: model)
        return Entry(
          name: name, family: summary.family, parameters: summary.parameters,
          layers: summary.layerCount,
          sequenceLength: summary.sequenceLength, globalBatchSize: summary.globalBatchSize,
          dtype: summary.dtype)
      }
      return (zoo.directory.standardized.path, entries)
    }
    switch format {
    case .json:
      print(try jsonText(entries), terminator: "")
    case .table:
      var rows = [["model", "family", "parameters", "layers", "seq", "global batch", "dtype"]]
      for e in entries {
        rows.append([
          e.name, e.family, Formatting.grouped(e.parameters), "\(e.layers)",
          e.sequenceLength.map { "\($0)" } ?? "-",
          "\(e.globalBatchSize)", e.dtype,
        ])
      }
      print(Formatting.table(rows, rightAligned: [2, 3, 4, 5]), terminator: "")
      print("(zoo: \(directory))")
    }
  }
}
