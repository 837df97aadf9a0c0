"""Fixtures of the replay tests: a loopback ingestion stub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.replay.replay_stub import StubIngestion, StubServer


@pytest.fixture
def stub() -> Iterator[tuple[StubIngestion, StubServer]]:
    app = StubIngestion()
    with StubServer(app) as server:
        yield app, server
