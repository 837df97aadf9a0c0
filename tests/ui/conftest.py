"""Workspace fixtures: two brands, each with an API account, a token and agents who can log in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from comptoir.actions import admin
from comptoir.jobs.worker import Worker
from comptoir.replies.library import seed_starter_templates
from comptoir.runtime import Runtime
from comptoir.store import tables as t
from comptoir.web.app import create_app
from comptoir.web.ui.people import create_user
from comptoir.web.ui.security import hash_password
from tests.support import make_env, message

PASSWORD = "correct horse battery"


@dataclass
class Brand:
    id: int
    account_id: int
    token: str
    secret: str


@dataclass
class Workspace:
    runtime: Runtime
    app: Any
    a: Brand
    b: Brand
    agents: dict[str, int] = field(default_factory=dict)

    def client(self, who: str | None = None, **kwargs: Any) -> TestClient:
        client = TestClient(self.app, **kwargs)
        if who is not None:
            login(client, f"{who}@example.test")
        return client

    def ingest(self, brand: Brand, external_id: str, client: TestClient | None = None, **extra: Any) -> int:
        """Post one customer message through the public API, process it, return its conversation id."""
        http = client or TestClient(self.app)
        body = message(external_id)
        body.update(extra)
        response = http.post(
            f"/api/v1/accounts/{brand.account_id}/messages",
            json=body,
            headers={"Authorization": f"Bearer {brand.token}"},
        )
        assert response.status_code in (200, 202), response.text
        Worker(self.runtime).run_until_idle()
        from sqlalchemy import select

        with self.runtime.db.read() as conn:
            return int(
                conn.execute(
                    select(t.messages.c.conversation_id).where(
                        t.messages.c.account_id == brand.account_id, t.messages.c.external_id == external_id
                    )
                ).scalar_one()
            )


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response


def page_csrf(client: TestClient) -> str:
    return csrf_of(client.get("/").text)


def make_workspace(runtime: Runtime, callback_url: str | None = None) -> Workspace:
    a = Brand(*make_env(runtime, callback_url=callback_url, name="Alpha"))
    b = Brand(*make_env(runtime, callback_url=callback_url, name="Beta"))
    seed_starter_templates(runtime.db, a.id)
    seed_starter_templates(runtime.db, b.id)
    ws = Workspace(runtime, create_app(runtime, run_jobs=False), a, b)
    for who, brands, role in (
        ("alice", [a.id], "agent"),
        ("bob", [b.id], "agent"),
        ("sue", [a.id], "supervisor"),
        ("both", [a.id, b.id], "agent"),
        ("bea", [b.id], "supervisor"),
    ):
        if who == "alice":  # one through the real path; the others reuse its hash (argon2 is slow on purpose)
            ws.agents[who] = create_user(
                runtime.db, brand_ids=brands, email=f"{who}@example.test", name=f"{who.title()} Test",
                role=role, password=PASSWORD,
            )
            continue
        agent_id = admin.create_agent(
            runtime.db, brand_ids=brands, email=f"{who}@example.test", name=f"{who.title()} Test", role=role
        )
        with runtime.db.transaction() as tx:
            tx.conn.execute(
                update(t.agents).where(t.agents.c.id == agent_id).values(password_hash=_hash_for(PASSWORD))
            )
        ws.agents[who] = agent_id
    return ws


_HASHES: dict[str, str] = {}


def _hash_for(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@pytest.fixture
def ws(runtime: Runtime) -> Iterator[Workspace]:
    yield make_workspace(runtime)
