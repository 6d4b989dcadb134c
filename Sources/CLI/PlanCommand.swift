import ArgumentParser
import Foundation
import TensorOpt

/// `tensoropt plan`: the Pareto frontier of complete parallel strategies.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract:
      "Search parallel strategies and print the (iteration time, memory per device) frontier.",
    discussion: """
      Searches devices = pipeline stages × data parallel × tensor parallel, micro-batch size, \
      schedule (gpipe, 1f1b, interleaved), recomputation, sequence parallelism and ZeRO stage; \
      every point is costed as `evaluate` costs it. Points over the memory limit that are faster \
      than every fitting point are listed apart (--show-infeasible). Without --gpu or --cluster \
      the cluster is h100-80g with 8 GPUs per node. Plan files: docs/plan-format.md; the search: docs/search.md.
      """)

  @Argument(
    help: "A zoo name (see `tensoropt models`), a model.json, or a Hugging Face config.json.")
  var model: String

  @Option(help: "Devices in total.")
  var devices: Int?

  @OptionGroup(title: "Hardware (default: h100-80g, 8 per node)") var hardware: ClusterOptions
  @OptionGroup(title: "Workload") var workload: WorkloadOptions

  @Option(help: "fp32, bf16 or fp16; default: the model's, fp32 on devices without it.")
  var dtype: DTypePolicy?

  @Option(help: "adam or sgd (with momentum).")
  var optimizer: Optimizer = .adam

  @Option(help: "Memory per device in GiB a strategy may use (default: the device's capacity).")
  var memoryLimit: Double?

  @Option(help: "The largest tensor-parallel degree (operator mesh of a stage).")
  var maxTp: Int?

  @Option(help: "The most pipeline stages.")
  var maxPp: Int?

  @Option(help: "Comma-separated device counts, e.g. 8,16,32: one frontier each.")
  var devicesRange: String?

  @Option(
    help:
      "Operator-level search: ft (frontier tracking) or exhaustive (small single-stage cases). Naming one runs it on any graph unless --operator-search says otherwise. (default: ft)"
  )
  var search: SearchMethod?

  @Option(
    help:
      "When to search per-operator layouts of single-stage strategies: auto (small graphs), always, never. (default: auto, or always with --search)"
  )
  var operatorSearch: OperatorSearchPolicy?

  /// The operator-level search method.
  var searchMethod: SearchMethod { search ?? .ft }

  /// When it runs: as asked, else always when a method was named, else for small graphs.
  var operatorSearchPolicy: OperatorSearchPolicy {
    operatorSearch ?? (search == nil ? .automatic : .always)
  }

  @Option(help: "Merge points within a factor 1 + ε in both objectives (0 = exact).")
  var epsilon: Double = 0

  @Option(help: "Worker threads (default: every core); the result does not depend on it.")
  var threads: Int?

  @Option(help: "Show at most K frontier points per device count (the fastest).")
  var top: Int?

  @Option(help: "table or json.")
  var format: OutputFormat = .table

  @Option(help: "Write the plan file (tensoropt-plan/1) here.")
  var output: String?

  @Option(help: "Write an HTML report of the frontier here (one self-contained file).")
  var report: String?

  @Flag(
    help:
      "Also list what more memory would buy: strategies over the limit, faster than any that fits.")
  var showInfeasible = false

  @Flag(help: "Say what the search pruned and why.")
  var verbose = false

  @Flag(
    help: "Keep the vocabulary as it is (default: pad it to a multiple of 128·tp like Megatron-LM)."
  )
  var noVocabPadding = false

  func validate() throws {
    try SizeLimits.check(devices, "--devices", atMost: SizeLimits.devices)
    try hardware.checkSizes()
    try workload.checkSizes()
    try SizeLimits.check(maxTp, "--max-tp", atMost: SizeLimits.degree)
    try SizeLimits.check(maxPp, "--max-pp", atMost: SizeLimits.degree)
    try SizeLimits.check(threads, "--threads", atMost: SizeLimits.workers)
  }

  func run() throws {
    let counts = try deviceCounts()
    if let batch = workload.batch, batch <= 0 {
      throw failure("--batch must be positive, got \(batch)")
    }
    if let seq = workload.seq, seq <= 0 { throw failure("--seq must be positive, got \(seq)") }
    if let memoryLimit, !(memoryLimit > 0 && memoryLimit.isFinite) {
      throw failure("--memory-limit must be a positive number of GiB")
    }
    if let maxTp, maxTp <= 0 { throw failure("--max-tp must be positive, got \(maxTp)") }
    if let maxPp, maxPp <= 0 { throw failure("--max-pp must be positive, got \(maxPp)") }
    if let threads, threads <= 0 { throw failure("--threads must be positive, got \(threads)") }
    if let top, top <= 0 { throw failure("--top must be positive, got \(top)") }
    guard epsilon >= 0, epsilon.isFinite else {
      throw failure("--epsilon must be a non-negative number")
    }
    for (flag, path) in [("--output", output), ("--report", report)] {
      guard let path else { continue }
      let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
        isDirectory.boolValue
      else {
        throw failure("\(flag): directory \(directory) does not exist")
      }
    }
    let largest = counts.max() ?? 1
    let (cluster, defaulted) = try hardware.resolve(devices: largest)
    let loaded = try reportingUserErrors { try ModelLoader.load(self.model) }
    if workload.seq != nil, loaded.family != .language {
      throw failure("\(loaded.name) has no sequence dimension (--seq)")
    }
    var trainingType: DTypePolicy =
      dtype
      ?? (loaded.defaults.dtype == .fp16 ? .fp16 : loaded.defaults.dtype == .bf16 ? .bf16 : .fp32)
    if dtype == nil, !cluster.device.supports(trainingType.computePrecision) {
      trainingType = .fp32
    }
    let request = PlanRequest(
      model: loaded, modelSource: self.model, cluster: cluster, batch: workload.batch,
      seq: workload.seq,
      dtype: trainingType, optimizer: optimizer, padsVocabulary: !noVocabPadding,
      memoryLimitBytes: memoryLimit.map { $0 * 1024 * 1024 * 1024 }, maxTensorParallel: maxTp,
      maxPipelineStages: maxPp, epsilon: epsilon,
      threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, search: searchMethod,
      operatorSearch: operatorSearchPolicy)
    let planner = Planner(request)
    let started = Date()
    var results: [PlanResult] = []
    for count in counts {
      let progress = ProgressLine(label: "planning \(loaded.name) on \(count) devices")
      do {
        results.append(try planner.frontier(devices: count, progress: progress.report))
      } catch {
        progress.finish()
        throw failure(error.message)
      }
      progress.finish()
    }
    let elapsed = Date().timeIntervalSince(started)
    let plan = PlanFile(
      model: planner.plannedModel,
      cluster: PlannedCluster(
        cluster: cluster,
        preset: hardware.cluster == nil ? (hardware.gpu ?? ClusterPreset.h100.rawValue) : nil,
        file: hardware.cluster,
        defaulted: defaulted),
      settings: PlanSettings(
        devices: counts, search: searchMethod.rawValue, epsilon: epsilon,
        memoryLimitBytes: request.memoryLimitBytes,
        maxTp: maxTp, maxPp: maxPp, top: top),
      results: results)
    if let output {
      do {
        try plan.write(to: output)
      } catch {
        throw failure(error.message)
      }
    }
    if let report {
      do {
        try HTMLReport.write(HTMLReport.render(plan), to: report)
      } catch {
        throw failure(error.message)
      }
    }
    switch format {
    case .json:
      print(String(decoding: try plan.encoded(), as: UTF8.self), terminator: "")
    case .table:
      if defaulted {
        print("cluster: no --gpu or --cluster given; assuming h100-80g with 8 GPUs per node")
      }
      print(
        PlanTable(
          plan: plan, device: cluster.device, top: top, showInfeasible: showInfeasible,
          verbose: verbose, elapsed: elapsed
        ).text,
        terminator: "")
    }
  }

  /// `--devices` and `--devices-range` as a sorted list of counts.
  func deviceCounts() throws -> [Int] {
    var counts: [Int] = []
    if let devices { counts.append(devices) }
    if let devicesRange {
      for part in devicesRange.split(separator: ",", omittingEmptySubsequences: false) {
        guard let value = Int(part.trimmingCharacters(in: .whitespaces)) else {
          throw failure("--devices-range must be comma-separated integers, got '\(devicesRange)'")
        }
        counts.append(value)
      }
    }
    guard !counts.isEmpty else { throw failure("give --devices N or --devices-range N1,N2,...") }
    if let bad = counts.first(where: { $0 <= 0 }) {
      throw failure("device counts must be positive, got \(bad)")
    }
    if let big = counts.first(where: { $0 > SizeLimits.devices }) {
      throw failure("device count \(big) is too large (at most \(SizeLimits.devices))")
    }
    return Array(Set(counts)).sorted()
  }
}

extension SearchMethod: ExpressibleByArgument {}
extension OperatorSearchPolicy: ExpressibleByArgument {}
