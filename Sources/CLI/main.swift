import ArgumentParser
import TensorOpt

@main
struct TensorOptCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "tensoropt", abstract: "Distributed-training parallelism planner.")
}
