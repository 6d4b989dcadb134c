import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt report`: the self-contained HTML report of a plan file.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write the HTML report of a plan file: frontier plot, breakdowns, table, layout.",
    discussion: """
      One self-contained file (inline SVG and CSS, no script, no network). The scatter plot \
      shows every device count of the plan; the table, breakdowns and layout show one (the \
      largest unless --devices is given). -o replaces the named file through a temporary file \
      and a rename; without -o the HTML goes to standard output.
      """)

  @Argument(help: "A plan file (tensoropt-plan/1) written by `tensoropt plan --output`.")
  var plan: String

  @Option(name: [.short, .customLong("output")], help: "Write the report here.")
  var output: String?

  @Option(help: "The frontier point (1 = fastest) whose device layout is drawn.")
  var pick = 1

  @Option(help: "The device count to detail (default: the largest in the plan).")
  var devices: Int?

  func run() throws {
    let file = try PlanFileSupport.load(plan)
    let html: String
    do {
      html = try HTMLReport.render(file, pick: pick, devices: devices)
    } catch {
      throw failure("\(plan): \(error.message)")
    }
    try PlanFileSupport.emit(html, to: output)
    if let output {
      FileHandle.standardError.write(Data("wrote \(output)\n".utf8))
    }
  }
}
