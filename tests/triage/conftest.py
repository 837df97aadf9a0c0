"""Fixtures of the triage tests: judge texts through the public API."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from comptoir.triage import TriageInput, TriageResult, analyze


@pytest.fixture
def judge() -> Callable[..., TriageResult]:
    def run(text: str, **kwargs: object) -> TriageResult:
        return analyze(TriageInput(text=text, **kwargs))  # type: ignore[arg-type]

    return run
