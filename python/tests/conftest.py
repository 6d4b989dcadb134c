"""Shared fixtures: the repository, the sample plan, and the binary under test."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "python"))

SAMPLE_PLAN = REPOSITORY / "Tests" / "Fixtures" / "gpt2-a100-80g-8.plan.json"


@pytest.fixture(scope="session", autouse=True)
def binary() -> str:
    """The binary under test: $TENSOROPT_BIN, else the debug build."""
    path = os.environ.get("TENSOROPT_BIN") or str(REPOSITORY / ".build" / "debug" / "tensoropt")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no tensoropt binary at {path}: run `swift build` first")
    os.environ["TENSOROPT_BIN"] = path
    return path


@pytest.fixture(scope="session")
def has_plan_command(binary: str) -> bool:
    """Whether `tensoropt plan` writes plan files (the full planner, branch `plan`)."""
    completed = subprocess.run(
        [binary, "plan", "--help"], capture_output=True, text=True, check=False
    )
    return completed.returncode == 0 and re.search(r"^\s+--output\b", completed.stdout, re.M) is not None


@pytest.fixture()
def sample_plan_path() -> Path:
    return SAMPLE_PLAN
