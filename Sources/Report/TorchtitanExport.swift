/// torchtitan TOML sections (`[parallelism]`, `[training]`, `[activation_checkpoint]`).
enum TorchtitanExport {
  /// Adapts `s` to what torchtitan runs.
  static func adapt(_ s: inout ExportedStrategy) {
    if s.tp > 1, !s.sequenceParallel {
      s.limit(
        "torchtitan's tensor parallelism always shards the norms and dropout over the sequence",
        instead: "sequence parallelism")
      s.sequenceParallel = true
    }
    if s.sequenceParallel, s.tp == 1 { s.sequenceParallel = false }
    if s.dp > 1, s.zero == 1 || s.zero == 2 {
      s.limit(
        "torchtitan shards data-parallel state with FSDP (ZeRO-3) or replicates it (DDP); ZeRO stage \(s.zero) has no equivalent",
        instead: "FSDP (ZeRO-3)")
      s.zero = 3
    }
    if s.dtype == .fp16 {
      s.limit("torchtitan's mixed precision is bfloat16 or float32", instead: "bfloat16")
      s.dtype = .bf16
    }
    if s.optimizer == .sgd {
      s.notes.append(
        "[optimizer] name: torchtitan uses AdamW by default; set your SGD optimizer there")
    }
  }

  /// The TOML text.
  static func render(_ s: ExportedStrategy, header: String) -> String {
    let sharded = s.dp > 1 && s.zero == 3
    var lines = [header + "[parallelism]"]
    lines.append("data_parallel_replicate_degree = \(sharded ? 1 : s.dp)")
    lines.append("data_parallel_shard_degree = \(sharded ? s.dp : 1)")
    lines.append("tensor_parallel_degree = \(s.tp)")
    lines.append("pipeline_parallel_degree = \(s.pp)")
    if s.pp > 1 {
      let schedule =
        s.schedule == .gpipe ? "GPipe" : s.interleave > 1 ? "Interleaved1F1B" : "1F1B"
      lines.append("pipeline_parallel_schedule = \"\(schedule)\"")
      lines.append("pipeline_parallel_microbatch_size = \(s.microbatch)")
      if s.interleave > 1 {
        lines.append("pipeline_parallel_layers_per_stage = \(s.layers / (s.pp * s.interleave))")
      }
      if let split = s.stageLayers {
        // Each later stage starts at a module name: "layers.<first layer>".
        let starts = split.dropLast().reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1) }
        let names = starts.map { "\"layers.\($0)\"" }.joined(separator: ", ")
        lines.append("pipeline_parallel_split_points = [\(names)]")
      }
    }
    lines.append("")
    lines.append("[training]")
    // With pipelining a replica's batch is split into micro-batches by the schedule;
    // without, micro-batches are gradient-accumulation steps of local_batch_size.
    let local = s.pp > 1 ? s.batch / max(s.dp, 1) : s.microbatch
    lines.append("local_batch_size = \(local)")
    lines.append("global_batch_size = \(s.batch)")
    if let seq = s.seq { lines.append("seq_len = \(seq)") }
    lines.append("mixed_precision_param = \"\(s.dtype == .fp32 ? "float32" : "bfloat16")\"")
    lines.append("")
    lines.append("[activation_checkpoint]")
    lines.append("mode = \"\(s.recompute.rawValue)\"")
    if s.recompute == .selective { lines.append("selective_ac_option = \"op\"") }
    return lines.joined(separator: "\n") + "\n"
  }
}
