"""Helpers for tests through the real interfaces: a brand with an API account and a token, message bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from comptoir.actions import admin
from comptoir.domain.enums import AccountKind, Platform
from comptoir.jobs.worker import Worker
from comptoir.runtime import Runtime


@dataclass
class Env:
    runtime: Runtime
    client: TestClient
    brand_id: int
    account_id: int
    token: str
    callback_secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, body: Any, account_id: int | None = None, **kwargs: Any) -> Any:
        return self.client.post(
            f"/api/v1/accounts/{account_id or self.account_id}/messages",
            json=body,
            headers=self.headers,
            **kwargs,
        )

    def process(self) -> int:
        return Worker(self.runtime).run_until_idle()


def make_env(
    runtime: Runtime, callback_url: str | None = None, name: str = "Acme"
) -> tuple[int, int, str, str]:
    brand_id = admin.create_brand(runtime.db, name)
    account = admin.create_account(
        runtime.db,
        brand_id=brand_id,
        platform=Platform.API,
        handle=f"{name.lower()}-care",
        kind=AccountKind.CARE,
        callback_url=callback_url,
    )
    token = admin.create_token(runtime.db, brand_id)
    return brand_id, int(account["id"]), token, str(account["callback_secret"])


def message(external_id: str, author: str = "cust-1", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": external_id,
        "author": {"external_id": author, "handle": f"@{author}", "name": author.title(), "followers": 120},
        "text": f"Hello, message {external_id}",
        "sent_at": "2026-11-20T10:00:00Z",
        "visibility": "private",
    }
    body.update(extra)
    return body
