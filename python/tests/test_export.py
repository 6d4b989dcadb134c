import json
import shlex
import tomllib

import tensoropt

PICK = 19  # dp2 tp2 pp2 mb2 1f1b recompute=sel zero1 sp


def test_megatron_arguments_parse_into_flags(sample_plan_path):
    export = tensoropt.export(str(sample_plan_path), PICK, to="megatron")
    assert export.is_exact
    # A shell joins backslash-continued lines; so does this test.
    words = shlex.split(export.text.replace("\\\n", " "), comments=True)
    flags = {}
    for index, word in enumerate(words):
        if word.startswith("--"):
            following = words[index + 1] if index + 1 < len(words) else None
            flags[word] = None if following is None or following.startswith("--") else following
    assert flags["--tensor-model-parallel-size"] == "2"
    assert flags["--pipeline-model-parallel-size"] == "2"
    assert flags["--micro-batch-size"] == "2"
    assert flags["--global-batch-size"] == "512"
    assert flags["--recompute-granularity"] == "selective"
    assert "--sequence-parallel" in flags
    assert "--use-distributed-optimizer" in flags
    assert "--bf16" in flags


def test_deepspeed_config_is_json_with_consistent_batch(sample_plan_path):
    export = tensoropt.export(sample_plan_path, PICK, to="deepspeed")
    config = json.loads(export.text)
    data_parallel = 2
    assert config["train_batch_size"] == (
        config["train_micro_batch_size_per_gpu"]
        * config["gradient_accumulation_steps"]
        * data_parallel
    )
    assert config["zero_optimization"]["stage"] == 1
    assert config["bf16"]["enabled"] is True
    assert any("tensor parallelism" in note for note in export.notes)


def test_torchtitan_toml_parses_and_names_the_nearest_plan(sample_plan_path):
    export = tensoropt.export(tensoropt.load_plan(sample_plan_path), PICK, to="torchtitan")
    config = tomllib.loads(export.text)
    parallelism = config["parallelism"]
    assert parallelism["tensor_parallel_degree"] == 2
    assert parallelism["pipeline_parallel_degree"] == 2
    assert parallelism["data_parallel_shard_degree"] * parallelism[
        "data_parallel_replicate_degree"
    ] == 2
    assert parallelism["pipeline_parallel_schedule"] == "1F1B"
    assert config["training"]["global_batch_size"] == 512
    assert config["training"]["seq_len"] == 1024
    assert config["activation_checkpoint"]["mode"] == "selective"
    # ZeRO-1 is not expressible in torchtitan: FSDP (ZeRO-3) is the nearest plan, costed.
    assert not export.is_exact
    assert export.nearest is not None
    assert export.nearest.summary.endswith("zero3 sp")
    assert export.nearest.time_s > 0 and export.nearest.memory_bytes > 0


def test_export_of_an_in_memory_plan_without_a_path(sample_plan_path):
    plan = tensoropt.load_plan(sample_plan_path)
    plan.path = None
    assert tensoropt.export(plan, 1, to="megatron").text.startswith("# Megatron-LM")
