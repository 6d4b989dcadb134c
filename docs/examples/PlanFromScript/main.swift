// An example training-script helper using the TensorOpt library: load a model,
// describe a cluster, evaluate a strategy, plan (or read a plan file), query the
// frontier, export the chosen strategy to Megatron-LM, and validate a small
// strategy on CPU threads. Built as the `ExampleScript` executable; the test
// suite runs it (Tests/CLITests/ExampleScriptTests.swift).
//
//   swift run ExampleScript              # plans gpt2 on 8 × a100-80g (about 30 s in a debug build)
//   swift run ExampleScript plan.json    # reads a plan file instead (the test does this)

import Foundation
import TensorOpt

// 1. A model (zoo name, model.json or Hugging Face config.json) and a cluster.
let model = try Planning.model("gpt2")
let cluster = Planning.cluster(.a100With80GB, devices: 8)

// 2. The predicted cost of one uniform strategy.
let strategy = ParallelStrategy(
  dataParallel: 4, tensorParallel: 2, microBatchSize: 4, recomputation: .selective,
  sequenceParallel: true, zeroStage: 1)
let cost = try Planning.evaluate(model, on: cluster, strategy: strategy, batch: 512)
print(
  String(
    format: "evaluate dp4 tp2: %.3f s per iteration, %.2f GiB per device", cost.timeS,
    cost.memoryBytes / 0x1p30))

// 3. The frontier: from the planner, or from a plan file written by `tensoropt plan`.
let plan: PlanFile
if let path = CommandLine.arguments.dropFirst().first {
  plan = try Planning.plan(contentsOf: path)
} else {
  do {
    plan = try Planning.plan(model, on: cluster, devices: [8], batch: 512)
  } catch {
    FileHandle.standardError.write(Data("ExampleScript: \(error)\n".utf8))
    exit(2)
  }
}
let frontier = try PlanFrontier(plan)
print("frontier on \(frontier.devices) devices: \(frontier.points.count) strategies")
if let fastest = frontier.fastest {
  print(String(format: "fastest: %@ (%.3f s)", fastest.strategy.summary, fastest.timeS))
}

// 4. Queries: the fastest within 2 GiB per device, the leanest within one second.
if let pick = frontier.fastest(withinMemory: 2 * 0x1p30) {
  print(
    String(
      format: "fastest within 2 GiB: #%d %@ (%.3f s, %.2f GiB)", frontier.pick(of: pick) ?? 0,
      pick.strategy.summary, pick.timeS, pick.memoryBytes / 0x1p30))
  // 5. Export it for Megatron-LM.
  let export = frontier.export(pick, to: .megatron)
  print(export.text, terminator: "")
  for limitation in export.limitations { print("cannot express: \(limitation)") }
}
if let lean = frontier.smallestMemory(withinTime: 1.0) {
  print(
    String(
      format: "smallest memory within 1 s: %@ (%.2f GiB)", lean.strategy.summary,
      lean.memoryBytes / 0x1p30))
}

// 6. Validate a small strategy on CPU worker threads against one worker.
let mini = try Planning.model("gpt-mini")
let run = try Planning.validate(
  mini,
  strategy: ParallelStrategy(dataParallel: 2, tensorParallel: 2, microBatchSize: 2, dtype: .fp32),
  batch: 4, seq: 32)
print("validate gpt-mini \(run.strategy): gradients match: \(run.gradientsMatch ? "yes" : "no")")
