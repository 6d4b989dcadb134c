import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt inspect`: what a model is made of.
struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Show a model's size: operators, layers, parameters, FLOPs and activations.",
    discussion: """
      MODEL is a zoo name (see `tensoropt models`), a model.json file, or a Hugging Face \
      config.json (gpt2, llama, bert). Per-sample figures are per sequence for language models.
      """)

  @Argument(help: "A zoo name, a model.json path, or a Hugging Face config.json path.")
  var model: String = "gpt2"

  @Option(help: "Output format: table or json.")
  var format: OutputFormat = .table

  @Option(help: "Micro-batch size to build the graph with (per-sample figures divide by it).")
  var batch: Int = 1

  @Option(help: "Sequence length (language models; default: the model's own).")
  var seq: Int?

  @Flag(help: "Also list every operator (block bodies once) with its shape, parameters and FLOPs.")
  var ops = false

  func validate() throws {
    guard batch > 0 else { throw ValidationError("--batch must be positive") }
    if let seq, seq <= 0 { throw ValidationError("--seq must be positive") }
  }

  func run() throws {
    let (summary, listing) = try reportingUserErrors { () throws -> (ModelSummary, String?) in
      let model = try ModelLoader.load(self.model)
      if seq != nil, model.family != .language {
        throw ModelLoadError(
          file: model.source, subject: "--seq", message: "\(model.name) has no sequence dimension")
      }
      let summary = try ModelSummary(model: model, batchSize: batch, sequenceLength: seq)
      guard ops, format == .table else { return (summary, nil) }
      let graph = try model.graph(batchSize: batch, sequenceLength: seq)
      let listing = OperatorListing.table(
        graph, batchSize: batch, floatBytes: model.defaults.dtype.byteCount)
      return (summary, listing)
    }
    switch format {
    case .json: print(try jsonText(summary), terminator: "")
    case .table: print(Self.table(summary) + (listing.map { "\n" + $0 } ?? ""), terminator: "")
    }
  }

  /// The summary as a human-readable report.
  static func table(_ s: ModelSummary) -> String {
    let perSample = s.family == "language" ? "per sequence" : "per sample"
    var shape = "batch \(s.batchSize)"
    if let sequence = s.sequenceLength { shape += " × seq \(sequence)" }
    let header: [[String]] = [
      ["model", "\(s.name)  (\(s.family), from \(s.source))"],
      ["graph", "\(shape), \(s.dtype); default global batch \(s.globalBatchSize)"],
      ["operators", "\(Formatting.grouped(s.operatorCount)) (\(s.storedOperatorCount) stored)"],
      ["layers", "\(s.layerCount)"],
      [
        "parameters",
        "\(Formatting.grouped(s.parameters)) (\(Formatting.scaled(Double(s.parameters))))",
      ],
      [
        "forward FLOPs", "\(Formatting.scaled(s.flopsPerSampleForward, unit: "FLOP")) \(perSample)",
      ],
      [
        "backward FLOPs",
        "\(Formatting.scaled(s.flopsPerSampleBackward, unit: "FLOP")) \(perSample)",
      ],
      [
        "activations",
        "\(Formatting.bytes(s.activationBytesPerSample)) saved for backward \(perSample)",
      ],
    ]
    var rows: [[String]] = [["segment", "repeat", "ops", "parameters", "fwd FLOPs", "activations"]]
    for segment in s.segments {
      let name = segment.block.map { "\(segment.name) (block \($0))" } ?? segment.name
      rows.append([
        name, segment.kind == "block" ? "×\(segment.repeatCount)" : "",
        Formatting.grouped(segment.operators),
        Formatting.grouped(segment.parameters),
        Formatting.scaled(segment.flopsPerSampleForward, unit: "FLOP"),
        Formatting.bytes(segment.activationBytesPerSample),
      ])
    }
    return Formatting.table(header) + "\n" + Formatting.table(rows, rightAligned: [1, 2, 3, 4, 5])
  }
}
