"""Fixtures: the ASGI app in-process with a brand, an API account and a token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.support import Env, make_env

from comptoir.runtime import Runtime
from comptoir.web.app import create_app


@pytest.fixture
def env(runtime: Runtime) -> Iterator[Env]:
    brand_id, account_id, token, secret = make_env(runtime)
    app = create_app(runtime, run_jobs=False)
    with TestClient(app) as client:
        yield Env(runtime, client, brand_id, account_id, token, secret)
