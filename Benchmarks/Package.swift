// swift-tools-version:6.1
import PackageDescription

// The benchmark suite (`make bench`), a package of its own so that `make test`
// never builds the harness. Runs with
// `swift package --package-path Benchmarks benchmark` (docs/performance.md).
let package = Package(
  name: "TensorOptBenchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "TensorOpt", path: ".."),
    .package(
      url: "https://github.com/ordo-one/benchmark", from: "1.38.1",
      traits: ["MallocInterposer"]),
  ],
  targets: [
    .executableTarget(
      name: "TensorOptBenchmarks",
      dependencies: [
        .product(name: "TensorOpt", package: "TensorOpt"),
        .product(name: "Benchmark", package: "benchmark"),
      ],
      path: "Benchmarks/TensorOptBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
  ]
)
