import Foundation

/// A DeepSpeed JSON configuration (`ds_config.json`).
enum DeepSpeedExport {
  /// Adapts `s` to what DeepSpeed runs.
  static func adapt(_ s: inout ExportedStrategy) {
    if s.pp > 1 {
      if s.schedule == .gpipe || s.interleave > 1 {
        s.limit(
          "DeepSpeed's pipeline engine runs one 1F1B schedule without interleaving",
          instead: "1F1B with one chunk per device")
        s.schedule = .oneForwardOneBackward
        s.interleave = 1
      }
      if s.zero >= 2 {
        s.limit(
          "DeepSpeed's pipeline parallelism supports ZeRO stage 0 or 1 only",
          instead: "ZeRO-1")
        s.zero = 1
      }
      s.dropStageLayers(
        because:
          "DeepSpeed's PipelineModule partition_method balances layers (uniform), parameters or matching layers; it takes no explicit counts"
      )
      s.notes.append(
        "pipeline parallelism (\(s.pp) stages) comes from the model code: wrap the model in deepspeed.pipe.PipelineModule(num_stages=\(s.pp))"
      )
    }
    if s.tp > 1 {
      s.notes.append(
        "tensor parallelism (\(s.tp)) is not a DeepSpeed config key: it comes from the model code's mpu (e.g. Megatron-DeepSpeed --tensor-model-parallel-size \(s.tp)"
          + (s.sequenceParallel ? " --sequence-parallel" : "") + ")")
    }
    if s.recompute != .none {
      s.notes.append(
        s.recompute == .full
          ? "activation checkpointing: the model must checkpoint every layer with deepspeed.checkpointing.checkpoint"
          : "selective recomputation: the model must checkpoint only the attention core with deepspeed.checkpointing.checkpoint"
      )
    }
  }

  /// The configuration as pretty JSON with sorted keys.
  static func render(_ s: ExportedStrategy) -> String {
    var config: [String: Any] = [
      "train_batch_size": s.batch,
      "train_micro_batch_size_per_gpu": s.microbatch,
      "gradient_accumulation_steps": s.microBatches,
      "zero_optimization": ["stage": s.zero],
      "bf16": ["enabled": s.dtype == .bf16],
      "fp16": ["enabled": s.dtype == .fp16],
    ]
    if s.recompute != .none {
      config["activation_checkpointing"] = [
        "partition_activations": s.tp > 1,
        "contiguous_memory_optimization": false,
        "cpu_checkpointing": false,
      ]
    }
    let data =
      (try? JSONSerialization.data(
        withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
      ?? Data()
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
