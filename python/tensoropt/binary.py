"""Finding and running the tensoropt binary."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional, Sequence


class TensorOptError(RuntimeError):
    """The binary failed; ``message`` is its one-line error, ``status`` its exit code."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def _repository_candidates() -> list[Path]:
    roots = [Path(__file__).resolve().parent, Path.cwd().resolve()]
    found: list[Path] = []
    for root in roots:
        for directory in [root, *root.parents]:
            for build in ("release", "debug"):
                found.append(directory / ".build" / build / "tensoropt")
    return found


def find_binary() -> str:
    """The tensoropt binary: ``$TENSOROPT_BIN``, else ``tensoropt`` on ``PATH``,
    else ``.build/release`` or ``.build/debug`` of the enclosing repository."""
    explicit = os.environ.get("TENSOROPT_BIN")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise TensorOptError(f"$TENSOROPT_BIN={explicit} is not an executable file", 2)
        return explicit
    on_path = shutil.which("tensoropt")
    if on_path:
        return on_path
    for candidate in _repository_candidates():
        if os.access(candidate, os.X_OK) and candidate.is_file():
            return str(candidate)
    raise TensorOptError(
        "cannot find the tensoropt binary: set $TENSOROPT_BIN, put it on PATH, or run `swift build`",
        2,
    )


def run(arguments: Sequence[str], binary: Optional[str] = None) -> str:
    """Runs ``tensoropt arguments`` and returns its standard output.

    Raises :class:`TensorOptError` with the binary's error line when it fails.
    """
    command = [binary or find_binary(), *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        message = next((line for line in lines if line.startswith("tensoropt: error:")), None)
        if message is None:
            message = lines[-1] if lines else f"tensoropt exited with {completed.returncode}"
        raise TensorOptError(message.removeprefix("tensoropt: error: "), completed.returncode)
    return completed.stdout
