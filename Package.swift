// swift-tools-version:6.1
import PackageDescription

// The folders under Sources/ follow the data flow of docs/architecture.md:
//   Import -> Graph -> Cost -> Search -> (Plan / Report) ; Executor beside; CLI on top.
let package = Package(
  name: "TensorOpt",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "TensorOpt", targets: ["TensorOpt"]),
    .executable(name: "tensoropt", targets: ["tensoropt"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // OpenBLAS through pkg-config (`libopenblas-dev` on Debian).
    .systemLibrary(
      name: "COpenBLAS",
      path: "Sources/COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),
    // The graph IR: tensors, operators, repeated blocks, per-op metrics.
    .target(name: "TensorOptGraph", path: "Sources/Graph"),
    // Importers: model.json, Hugging Face config.json, the zoo.
    .target(name: "TensorOptImport", dependencies: ["TensorOptGraph"], path: "Sources/Import"),
    // Hardware profiles and the analytical cost model.
    .target(
      name: "TensorOptCost", dependencies: ["TensorOptGraph", "COpenBLAS"], path: "Sources/Cost"),
    // Frontier tracking (FT) and the exhaustive reference search.
    .target(
      name: "TensorOptSearch", dependencies: ["TensorOptGraph", "TensorOptCost"],
      path: "Sources/Search"),
    // The planner: outer search, stage partitioning, the final frontier, plan files.
    .target(
      name: "TensorOptPlan",
      dependencies: ["TensorOptGraph", "TensorOptImport", "TensorOptCost", "TensorOptSearch"],
      path: "Sources/Plan"),
    // Reports, explanations and training-framework exports of plan files.
    .target(
      name: "TensorOptReport",
      dependencies: ["TensorOptPlan", "TensorOptCost", "TensorOptImport"],
      path: "Sources/Report"),
    // The in-process executor: CPU worker threads, OpenBLAS kernels, collectives.
    .target(
      name: "TensorOptExecutor", dependencies: ["TensorOptGraph", "TensorOptCost", "COpenBLAS"],
      path: "Sources/Executor"),
    // The library that training scripts import.
    .target(
      name: "TensorOpt",
      dependencies: [
        "TensorOptGraph", "TensorOptImport", "TensorOptCost", "TensorOptSearch",
        "TensorOptPlan", "TensorOptReport", "TensorOptExecutor",
      ],
      path: "Sources/TensorOpt"
    ),
    // The command-line tool.
    .executableTarget(
      name: "tensoropt",
      dependencies: [
        "TensorOpt", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/CLI"
    ),
    // The library example of docs/examples (run by CLITests).
    .executableTarget(
      name: "ExampleScript", dependencies: ["TensorOpt"], path: "docs/examples/PlanFromScript"),
    .testTarget(name: "GraphTests", dependencies: ["TensorOptGraph"]),
    .testTarget(name: "ImportTests", dependencies: ["TensorOptImport"]),
    .testTarget(name: "CostTests", dependencies: ["TensorOptCost", "TensorOptImport"]),
    .testTarget(name: "SearchTests", dependencies: ["TensorOptSearch", "TensorOptImport"]),
    .testTarget(
      name: "PlanTests", dependencies: ["TensorOptPlan", "TensorOptImport", "TensorOptGraph"]),
    .testTarget(
      name: "ExecutorTests",
      dependencies: ["TensorOptExecutor", "TensorOptCost", "TensorOptImport"]),
    .testTarget(name: "CLITests", dependencies: ["tensoropt", "ExampleScript"]),
    // Replays Tests/FuzzCorpus in process and through the binary (docs/fuzzing.md).
    .testTarget(
      name: "FuzzReplayTests",
      dependencies: [
        "TensorOptImport", "TensorOptCost", "TensorOptPlan", "TensorOptReport", "tensoropt",
      ]),
    .testTarget(
      name: "ReportTests",
      dependencies: ["TensorOptReport", "TensorOptImport", "TensorOptGraph", "TensorOpt"],
      exclude: ["Expected"]),
  ]
)
