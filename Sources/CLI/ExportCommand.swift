import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt export`: one frontier strategy as a training framework's configuration.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract:
      "Write one frontier strategy as Megatron-LM arguments, DeepSpeed JSON or torchtitan TOML.",
    discussion: """
      When the framework cannot express the strategy (per-operator layouts, a schedule or ZeRO \
      stage it lacks), the configuration describes the nearest uniform strategy it can; the \
      differences and that strategy's predicted cost are printed on standard error as \
      `tensoropt: note:` lines (in the JSON with --format json).
      """)

  @Argument(help: "A plan file (tensoropt-plan/1).")
  var plan: String

  @Option(help: "The frontier point, 1 = fastest.")
  var pick = 1

  @Option(help: "The device count (default: the largest in the plan).")
  var devices: Int?

  @Option(help: "megatron, deepspeed or torchtitan.")
  var to: ExportTarget

  @Option(help: "text (the configuration) or json (configuration, limitations, nearest plan).")
  var format: ExportFormat = .text

  @Option(name: [.short, .customLong("output")], help: "Write the configuration here.")
  var output: String?

  /// What `export` prints.
  enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  func run() throws {
    let file = try PlanFileSupport.load(plan)
    let entry = try PlanFileSupport.entry(file, path: plan, pick: pick, devices: devices)
    let export = TrainingExporter.export(file, entry: entry, to: to)
    switch format {
    case .json:
      try PlanFileSupport.emit(try CostCommandSupport.json(export), to: output)
    case .text:
      try PlanFileSupport.emit(export.text, to: output)
      for line in Self.notes(export) {
        FileHandle.standardError.write(Data("tensoropt: note: \(line)\n".utf8))
      }
    }
  }

  /// The limitations, the nearest plan with its cost, and the notes, one per line.
  static func notes(_ export: TrainingExport) -> [String] {
    var lines = export.limitations.map { "\(export.target.displayName) cannot express: \($0)" }
    if let nearest = export.nearest {
      var line = "nearest expressible plan: \(nearest.summary)"
      if let time = nearest.timeS, let memory = nearest.memoryBytes {
        line += String(
          format: " — predicted %.4g s per iteration, %.2f GiB per device", time, memory / 0x1p30)
        if nearest.fits == false { line += " (does not fit)" }
      } else if let problem = nearest.problem {
        line += " (\(problem))"
      }
      lines.append(line)
    }
    return lines + export.notes
  }
}

extension ExportTarget: ExpressibleByArgument {}
