"""Shared fixtures: ../shared/data location, the frozen clock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data_dir() -> Path:
    """Return ../shared/data, or skip loudly where it is absent (fail in CI, where it must exist)."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    message = f"../shared/data not found at {SHARED_DATA}: skipping a test that needs the shared data sets"
    if os.environ.get("COMPTOIR_REQUIRE_SHARED_DATA") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def shared_data() -> Path:
    return shared_data_dir()
