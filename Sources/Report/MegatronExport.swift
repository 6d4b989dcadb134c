/// Megatron-LM command-line arguments (`pretrain_gpt.py` flags).
enum MegatronExport {
  /// Adapts `s` to what Megatron-LM runs.
  static func adapt(_ s: inout ExportedStrategy) {
    if s.pp > 1, s.schedule == .gpipe {
      s.limit("Megatron-LM has no GPipe schedule (it runs 1F1B)", instead: "1F1B")
      s.schedule = .oneForwardOneBackward
    }
    if s.zero >= 2 {
      s.limit(
        "ZeRO stage \(s.zero) has no Megatron-LM equivalent (--use-distributed-optimizer shards the optimizer state: ZeRO-1)",
        instead: "ZeRO-1 (--use-distributed-optimizer)")
      s.zero = 1
    }
    if s.sequenceParallel, s.tp == 1 {
      s.sequenceParallel = false
    }
    if let split = s.stageLayers, split.count > 2, Set(split.dropFirst().dropLast()).count > 1 {
      s.dropStageLayers(
        because:
          "Megatron-LM sets only the first and last stages' layers (--decoder-first/last-pipeline-num-layers) and splits the rest evenly"
      )
    }
    if s.dp > 1 {
      s.notes.append(
        "Megatron-LM derives the data-parallel size \(s.dp) from the world size \(s.dp * s.tp * s.pp) / (tp \(s.tp) · pp \(s.pp))"
      )
    }
  }

  /// The arguments, one per line, continued with backslashes.
  static func render(_ s: ExportedStrategy, header: String) -> String {
    var args: [String] = [
      "--tensor-model-parallel-size \(s.tp)",
      "--pipeline-model-parallel-size \(s.pp)",
    ]
    if s.interleave > 1 {
      args.append("--num-layers-per-virtual-pipeline-stage \(s.layers / (s.pp * s.interleave))")
    }
    if let split = s.stageLayers, let first = split.first, let last = split.last {
      args += [
        "--decoder-first-pipeline-num-layers \(first)",
        "--decoder-last-pipeline-num-layers \(last)",
      ]
    }
    args += ["--micro-batch-size \(s.microbatch)", "--global-batch-size \(s.batch)"]
    if let seq = s.seq { args.append("--seq-length \(seq)") }
    switch s.recompute {
    case .none: break
    case .selective: args.append("--recompute-granularity selective")
    case .full:
      args += [
        "--recompute-granularity full", "--recompute-method uniform", "--recompute-num-layers 1",
      ]
    }
    if s.sequenceParallel { args.append("--sequence-parallel") }
    if s.zero == 1 { args.append("--use-distributed-optimizer") }
    switch s.dtype {
    case .bf16: args.append("--bf16")
    case .fp16: args.append("--fp16")
    case .fp32: break
    }
    if s.optimizer == .sgd { args.append("--optimizer sgd") }
    if !s.padsVocabulary { args.append("--make-vocab-size-divisible-by 1") }
    return header + args.joined(separator: " \\\n") + "\n"
  }
}
