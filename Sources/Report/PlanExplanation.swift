import TensorOptPlan

/// `tensoropt explain`: one frontier strategy in words and compact tables — what
/// each stage holds, how each operator is split, which collectives run when, and
/// where the time and memory go.
public struct PlanExplanation: Sendable {
  /// The plan the strategy comes from.
  public var plan: PlanFile
  /// The strategy and its cost.
  public var entry: PlanEntry

  /// Explains `entry` of `plan`.
  public init(plan: PlanFile, entry: PlanEntry) {
    self.plan = plan
    self.entry = entry
  }

  /// The explanation as plain text, ending in a newline.
  public var text: String {
    [overview, stagesSection, operatorsSection, collectivesSection, timeSection, memorySection]
      .joined(separator: "\n")
  }

  private var s: PlanStrategy { entry.strategy }
  private var devices: Int { s.dp * s.tp * s.pp }

  private var overview: String {
    let fits = entry.fits ? "fits" : "does NOT fit"
    var lines = [
      "\(plan.model.name) on \(devices) × \(plan.cluster.preset ?? plan.cluster.name): \(s.summary)",
      "  \(ReportFormatting.seconds(entry.timeS)) per iteration, "
        + "\(ReportFormatting.bytes(entry.memoryBytes)) peak per device (\(fits) in "
        + "\(ReportFormatting.bytes(entry.memoryLimitBytes))), "
        + String(
          format: "%.1f samples/s, MFU %@", entry.throughput.samplesPerS,
          ReportFormatting.percent(entry.throughput.mfu)),
      "  \(s.dp) data-parallel replica\(s.dp == 1 ? "" : "s") × \(s.tp) tensor-parallel rank\(s.tp == 1 ? "" : "s") × \(s.pp) pipeline stage\(s.pp == 1 ? "" : "s"); "
        + "\(s.microBatches) micro-batch\(s.microBatches == 1 ? "" : "es") of \(s.microbatch) sample\(s.microbatch == 1 ? "" : "s") per replica, "
        + "\(scheduleName), recomputation \(s.recompute.rawValue), ZeRO stage \(s.zero)"
        + (s.sequenceParallel ? ", sequence parallelism" : ""),
    ]
    if !s.uniformLayout {
      lines.append(
        "  per-operator layouts differ from the uniform Megatron layout for: "
          + s.deviations.joined(separator: ", "))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private var scheduleName: String {
    if s.pp == 1 { return "no pipeline" }
    if s.schedule == .gpipe { return "GPipe schedule" }
    return s.interleave > 1
      ? "interleaved 1F1B (\(s.interleave) chunks per device)" : "1F1B schedule"
  }

  private var stagesSection: String {
    var rows = [["stage", "devices", "layers", "time/micro-batch", "peak memory", "in flight"]]
    for stage in s.stages {
      let size = s.dp * s.tp
      let summary = entry.breakdown.stages.first { $0.stage == stage.stage }
      rows.append([
        "\(stage.stage)", "\(stage.firstDevice)–\(stage.firstDevice + size - 1)",
        stage.layers.map { "[\($0.first ?? 0), \($0.last ?? 0))" }.joined(separator: " ")
          + " (\(stage.layers.reduce(0) { $0 + max(($1.last ?? 0) - ($1.first ?? 0), 0) }))",
        summary.map { ReportFormatting.seconds($0.microBatchS) } ?? "-",
        summary.map { ReportFormatting.bytes($0.peakMemoryBytes) } ?? "-",
        summary.map { String(format: "%g", $0.inFlightMicroBatches) } ?? "-",
      ])
    }
    return
      "Stages (devices numbered stage-major; layers are half-open ranges of \(plan.model.layers))\n"
      + indent(ReportFormatting.table(rows, rightAligned: [3, 4, 5]))
  }

  /// The stage mesh axes in words, for reading configurations.
  private var axisNames: [String] {
    s.stageMesh.indices.map { axis in
      axis == s.dataAxis ? "dp\(s.stageMesh[axis])" : "tp\(s.stageMesh[axis])"
    }
  }

  private var operatorsSection: String {
    // operator name → stage numbers per configuration text
    var order: [String] = []
    var placements: [String: [String: [Int]]] = [:]
    func note(_ name: String, _ value: String, stage: Int) {
      if placements[name] == nil { order.append(name) }
      placements[name, default: [:]][value, default: []].append(stage)
    }
    for stage in s.stages {
      for (name, value) in stage.operators.sorted(by: { $0.key < $1.key }) {
        note(name, value, stage: stage.stage)
      }
      for (block, choices) in stage.blocks.sorted(by: { $0.key < $1.key }) {
        for (op, runs) in choices.operators.sorted(by: { $0.key < $1.key }) {
          let value =
            runs.count == 1
            ? runs[0].value : runs.map { "\($0.count)×\($0.value)" }.joined(separator: " ")
          note("\(block)/\(op)", value, stage: stage.stage)
        }
      }
    }
    var rows = [
      ["operator", "split (" + axisNames.joined(separator: ",") + ")", "stages", "meaning"]
    ]
    for name in order {
      for (value, stages) in (placements[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
        rows.append([
          name, value,
          stages.count == s.pp ? "all" : stages.map(String.init).joined(separator: ","),
          meaning(of: value),
        ])
      }
    }
    return "How each operator is split (one entry per stage-mesh axis; rep = replicated)\n"
      + indent(ReportFormatting.table(rows))
  }

  private func meaning(of value: String) -> String {
    guard !value.contains("×") else { return "changes between repetitions" }
    let entries = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    var parts: [String] = []
    for (axis, dimension) in entries.enumerated() where dimension != "rep" {
      let extent = axis < s.stageMesh.count ? s.stageMesh[axis] : 1
      guard extent > 1 else { continue }
      let role = axis == s.dataAxis ? "replicas" : "tp ranks"
      parts.append("\(dimension) over \(extent) \(role)")
    }
    return parts.isEmpty ? "whole on every device" : parts.joined(separator: "; ")
  }

  private var collectivesSection: String {
    let t = entry.breakdown.time
    let perNode = plan.cluster.devicesPerNode
    var lines: [String] = []
    if s.tp > 1 {
      let link = s.tp <= perNode ? "inside a node" : "across nodes"
      if s.uniformLayout {
        let kind =
          s.sequenceParallel
          ? "reduce-scatter + all-gather (sequence parallel)" : "all-reduce"
        lines.append(
          "tensor parallel: \(kind) of activations in each group of \(s.tp) (\(link)) after the "
            + "split operators, in forward and again in backward; exposed "
            + ReportFormatting.seconds(t.tensorParallelS))
      } else {
        lines.append(
          "tensor parallel: re-layouts of activations in each group of \(s.tp) (\(link)) where "
            + "consecutive operators are split differently (all-gather, reduce-scatter, all-reduce "
            + "or all-to-all, as the two layouts need), in forward and again in backward; exposed "
            + ReportFormatting.seconds(t.tensorParallelS))
      }
    }
    if s.pp > 1 {
      lines.append(
        "pipeline: send/receive between neighbouring stages, \(2 * s.interleave) per micro-batch "
          + "(activations forward, gradients backward); "
          + ReportFormatting.seconds(t.pipelineTransferS) + " transfers, bubble "
          + ReportFormatting.seconds(t.pipelineBubbleS))
    }
    if s.zero == 3, s.dp > 1 {
      lines.append(
        "ZeRO-3: all-gather of each layer's parameters before its forward and backward over the "
          + "\(s.dp) replicas; exposed " + ReportFormatting.seconds(t.parameterGatherS))
    }
    if s.dp > 1 {
      let sync =
        s.zero == 0
        ? "all-reduce of gradients"
        : s.zero == 3
          ? "reduce-scatter of gradients"
          : "reduce-scatter of gradients, all-gather of updated parameters"
      lines.append(
        "data parallel: \(sync) over the \(s.dp) replicas at the end of backward; "
          + ReportFormatting.seconds(t.dataParallelSyncOverlappedS) + " hidden behind backward, "
          + ReportFormatting.seconds(t.dataParallelSyncS) + " exposed")
    }
    if lines.isEmpty { lines.append("none: a single device") }
    return "Collectives\n" + lines.map { "  " + $0 }.joined(separator: "\n") + "\n"
  }

  private var timeSection: String {
    var rows: [[String]] = []
    for part in entry.timeParts where part.value > 0 {
      rows.append([
        part.name, ReportFormatting.seconds(part.value),
        ReportFormatting.percent(part.value / max(entry.timeS, .leastNonzeroMagnitude)),
      ])
    }
    rows.append(["total", ReportFormatting.seconds(entry.timeS), "100.0%"])
    return "Where the time goes (slowest stage, per iteration)\n"
      + indent(ReportFormatting.table(rows, rightAligned: [1, 2]))
  }

  private var memorySection: String {
    var rows: [[String]] = []
    for part in entry.memoryParts where part.value > 0 {
      rows.append([
        part.name, ReportFormatting.bytes(part.value),
        ReportFormatting.percent(part.value / max(entry.memoryBytes, .leastNonzeroMagnitude)),
      ])
    }
    rows.append(["total", ReportFormatting.bytes(entry.memoryBytes), "100.0%"])
    let m = entry.breakdown.memory
    return
      "Where the memory goes (stage \(m.stage), \(String(format: "%g", m.inFlightMicroBatches)) micro-batches in flight)\n"
      + indent(ReportFormatting.table(rows, rightAligned: [1, 2]))
  }

  private func indent(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.isEmpty ? "" : "  " + $0
    }.joined(separator: "\n")
  }
}
