"""The functions: evaluate, plan, load_plan, export, explain, report."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Optional, Union

from .binary import TensorOptError, run
from .model import Evaluation, Export, Plan

PlanLike = Union[Plan, str, "os.PathLike[str]"]


def _options(**values: object) -> list[str]:
    arguments: list[str] = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        arguments += [flag] if value is True else [flag, str(value)]
    return arguments


def evaluate(
    model: str,
    devices: int,
    *,
    gpu: Optional[str] = None,
    cluster: Optional[str] = None,
    gpus_per_node: Optional[int] = None,
    batch: Optional[int] = None,
    seq: Optional[int] = None,
    dtype: Optional[str] = None,
    optimizer: Optional[str] = None,
    dp: Optional[int] = None,
    tp: int = 1,
    pp: int = 1,
    microbatch: Optional[int] = None,
    schedule: Optional[str] = None,
    interleave: Optional[int] = None,
    recompute: Optional[str] = None,
    sequence_parallel: bool = False,
    zero: Optional[int] = None,
) -> Evaluation:
    """The predicted cost of one uniform strategy (``tensoropt evaluate``)."""
    arguments = ["evaluate", model, "--devices", str(devices), "--format", "json"]
    arguments += _options(
        gpu=gpu, cluster=cluster, gpus_per_node=gpus_per_node, batch=batch, seq=seq,
        dtype=dtype, optimizer=optimizer, dp=dp, tp=tp, pp=pp, microbatch=microbatch,
        schedule=schedule, interleave=interleave, recompute=recompute,
        sequence_parallel=sequence_parallel, zero=zero,
    )
    return Evaluation.from_json(json.loads(run(arguments)))


def load_plan(path: Union[str, "os.PathLike[str]"]) -> Plan:
    """Reads a plan file written by ``tensoropt plan --output``."""
    with open(path, encoding="utf-8") as handle:
        return Plan.from_json(json.load(handle), path=os.fspath(path))


def plan(
    model: str,
    devices: Optional[int] = None,
    *,
    devices_range: Optional[list[int]] = None,
    gpu: Optional[str] = None,
    cluster: Optional[str] = None,
    gpus_per_node: Optional[int] = None,
    batch: Optional[int] = None,
    seq: Optional[int] = None,
    dtype: Optional[str] = None,
    optimizer: Optional[str] = None,
    memory_limit: Optional[float] = None,
    max_tp: Optional[int] = None,
    max_pp: Optional[int] = None,
    output: Optional[str] = None,
) -> Plan:
    """Runs the planner (``tensoropt plan``) and returns the plan it writes.

    ``memory_limit`` is in GiB, as the command line takes it. Without ``output``
    the plan file goes to a temporary file that is removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="tensoropt-") as directory:
        path = output or os.path.join(directory, "plan.json")
        arguments = ["plan", model, "--output", path]
        arguments += _options(
            devices=devices,
            devices_range=",".join(map(str, devices_range)) if devices_range else None,
            gpu=gpu, cluster=cluster, gpus_per_node=gpus_per_node, batch=batch, seq=seq,
            dtype=dtype, optimizer=optimizer, memory_limit=memory_limit, max_tp=max_tp,
            max_pp=max_pp,
        )
        run(arguments)
        result = load_plan(path)
        if output is None:
            result.path = None
        return result


class _PlanPath:
    """A path to ``plan`` on disk for the duration of a ``with`` block."""

    def __init__(self, plan: PlanLike):
        self.plan = plan
        self.directory: Optional[tempfile.TemporaryDirectory] = None

    def __enter__(self) -> str:
        if not isinstance(self.plan, Plan):
            return os.fspath(self.plan)
        if self.plan.path and os.path.exists(self.plan.path):
            return self.plan.path
        self.directory = tempfile.TemporaryDirectory(prefix="tensoropt-")
        path = os.path.join(self.directory.name, "plan.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(self.plan.raw, handle)
        return path

    def __exit__(self, *_: object) -> None:
        if self.directory is not None:
            self.directory.cleanup()


def export(
    plan: PlanLike, pick: int = 1, *, to: str, devices: Optional[int] = None
) -> Export:
    """Frontier point ``pick`` as a Megatron-LM, DeepSpeed or torchtitan configuration
    (``tensoropt export --format json``), with the nearest expressible plan when inexact."""
    with _PlanPath(plan) as path:
        arguments = ["export", path, "--pick", str(pick), "--to", to, "--format", "json"]
        arguments += _options(devices=devices)
        return Export.from_json(json.loads(run(arguments)))


def explain(plan: PlanLike, pick: int = 1, *, devices: Optional[int] = None) -> str:
    """Frontier point ``pick`` in words (``tensoropt explain``)."""
    with _PlanPath(plan) as path:
        return run(["explain", path, "--pick", str(pick), *_options(devices=devices)])


def report(
    plan: PlanLike, output: str, *, pick: int = 1, devices: Optional[int] = None
) -> str:
    """Writes the HTML report of ``plan`` to ``output`` and returns ``output``."""
    with _PlanPath(plan) as path:
        run(["report", path, "-o", output, "--pick", str(pick), *_options(devices=devices)])
    return output


__all__ = ["evaluate", "explain", "export", "load_plan", "plan", "report", "TensorOptError"]
