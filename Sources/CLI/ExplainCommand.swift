import ArgumentParser
import TensorOpt

/// `tensoropt explain`: one frontier strategy of a plan file in words.
struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Explain one frontier strategy: stages, operator splits, collectives, time, memory.")

  @Argument(help: "A plan file (tensoropt-plan/1).")
  var plan: String

  @Option(help: "The frontier point, 1 = fastest (as numbered by `plan` and `report`).")
  var pick = 1

  @Option(help: "The device count (default: the largest in the plan).")
  var devices: Int?

  func run() throws {
    let file = try PlanFileSupport.load(plan)
    let entry = try PlanFileSupport.entry(file, path: plan, pick: pick, devices: devices)
    print(PlanExplanation(plan: file, entry: entry).text, terminator: "")
  }
}
