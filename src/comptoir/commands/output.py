"""Command output helpers: JSON on stdout for scripts, errors on stderr with a non-zero exit."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from comptoir.errors import ComptoirError

T = TypeVar("T")


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; turn a ComptoirError into a JSON error on stderr and exit code 1."""
    try:
        return action()
    except ComptoirError as exc:
        sys.stderr.write(json.dumps(exc.to_dict(), ensure_ascii=False) + "\n")
        raise typer.Exit(1) from exc
