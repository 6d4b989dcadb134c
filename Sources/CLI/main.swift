import ArgumentParser
import TensorOpt

// `main.swift` is top-level code once the module has more than one file, so the
// root command is started explicitly rather than with `@main`.

/// The `tensoropt` root command.
struct TensorOptCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tensoropt", abstract: "Distributed-training parallelism planner.",
    subcommands: [
      InspectCommand.self, ModelsCommand.self, EvaluateCommand.self, PlanCommand.self,
      ProfileCommand.self, ValidateCommand.self, ReportCommand.self, ExplainCommand.self,
      ExportCommand.self,
    ])
}

TensorOptCommand.runReportingUsageErrors()
