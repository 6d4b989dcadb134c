"""Python interface to the tensoropt parallelism planner.

Every function runs the ``tensoropt`` binary (see :func:`find_binary`) and
returns plain dataclasses; plan files are read directly.
"""

from .binary import TensorOptError, find_binary, run
from .model import (
    Evaluation,
    Export,
    Frontier,
    NearestStrategy,
    Plan,
    Point,
)
from .api import evaluate, explain, export, load_plan, plan, report

__all__ = [
    "Evaluation",
    "Export",
    "Frontier",
    "NearestStrategy",
    "Plan",
    "Point",
    "TensorOptError",
    "evaluate",
    "explain",
    "export",
    "find_binary",
    "load_plan",
    "plan",
    "report",
    "run",
]
