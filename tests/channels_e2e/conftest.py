"""End to end: the Meta and X simulators <-> a real Comptoir (uvicorn on loopback, jobs running)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, select

from comptoir.actions import admin
from comptoir.channels.apps import create_platform_app
from comptoir.channels.registry import ConnectorConfig, configure
from comptoir.domain.enums import Platform
from comptoir.runtime import Runtime
from comptoir.secrets import encrypt
from comptoir.simulators.common import serving
from comptoir.simulators.meta import MetaSimConfig, MetaSimulator
from comptoir.simulators.x import XSimConfig, XSimulator
from comptoir.store import tables as t
from comptoir.web.app import create_app
from tests.channels_email.conftest import mail_servers, unique  # noqa: F401  (fixtures for test_email)
from tests.conftest import ThreadedServer

META_SECRET = "meta-app-secret"
VERIFY_TOKEN = "verify-me-please"
X_SECRET = "x-consumer-secret"
PAGE_ID = "1122334455"
IG_ID = "17841400000000001"
X_BRAND = "2244994945"
TOKEN = "page-token"

T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float = 15.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} (last value {value!r})")
        time.sleep(0.05)


@dataclass
class Stack:
    runtime: Runtime
    url: str
    brand_id: int
    token: str
    meta_app: int
    x_app: int
    facebook: int
    instagram: int
    x: int
    meta: MetaSimulator
    xsim: XSimulator
    meta_url: str
    x_url: str

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10)

    def rows(self, account_id: int | None = None) -> list[Any]:
        m = t.messages
        query = select(m).order_by(m.c.id)
        if account_id is not None:
            query = query.where(m.c.account_id == account_id)
        with self.runtime.db.read() as conn:
            return list(conn.execute(query).all())

    def count(self, table: Any) -> int:
        with self.runtime.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def processed(self, account_id: int, n: int) -> list[Any]:
        def done() -> list[Any]:
            rows = self.rows(account_id)
            ready = [r for r in rows if r.processing_state == "processed" and r.conversation_id]
            return rows if len(ready) >= n else []

        return wait_for(done, what=f"{n} processed messages")

    def reply(self, conversation_id: int, text: str, key: str | None = None) -> int:
        headers = {"Idempotency-Key": key} if key else {}
        with self.api() as client:
            response = client.post(
                f"/api/v1/conversations/{conversation_id}/replies", json={"text": text}, headers=headers
            )
        assert response.status_code in (200, 201, 202), response.text
        return int(response.json()["id"])

    def delivery(self, message_id: int, *, final: bool = True) -> Any:
        m = t.messages

        def settled() -> Any:
            with self.runtime.db.read() as conn:
                row = conn.execute(select(m).where(m.c.id == message_id)).one()
            return row if (row.delivery_status != "queued" or not final) else None

        return wait_for(settled, timeout=20, what=f"delivery of message {message_id}")


def join_worker_threads() -> None:
    """In-process job workers stop with the app's lifespan: let them finish before the database goes."""
    for thread in threading.enumerate():
        if thread.name.startswith(("comptoir-worker", "comptoir-pg-listener", "comptoir-sla-timers")) and (
            thread is not threading.current_thread()
        ):
            thread.join(timeout=10)


@pytest.fixture
def stack(runtime: Runtime) -> Iterator[Stack]:
    settings = runtime.settings
    db = runtime.db
    brand = admin.create_brand(db, "Lumeo")
    token = admin.create_token(db, brand, "tests")
    meta_app = create_platform_app(
        db,
        settings,
        platform="meta",
        name="Lumeo Meta",
        secrets={"app_secret": META_SECRET, "verify_token": VERIFY_TOKEN},
    )["id"]
    x_app = create_platform_app(
        db,
        settings,
        platform="x",
        name="Lumeo X",
        secrets={"consumer_key": "ck", "consumer_secret": X_SECRET},
    )["id"]
    enc = encrypt(TOKEN, settings)

    def account(platform: Platform, external_id: str, handle: str, app: int) -> int:
        return int(
            admin.create_account(
                db,
                brand_id=brand,
                platform=platform,
                handle=handle,
                external_id=external_id,
                app_id=app,
                access_token_enc=enc,
            )["id"]
        )

    facebook = account(Platform.FACEBOOK, PAGE_ID, "Lumeo", meta_app)
    instagram = account(Platform.INSTAGRAM, IG_ID, "lumeo", meta_app)
    x = account(Platform.X, X_BRAND, "@Lumeo", x_app)
    with ExitStack() as stack:
        stack.callback(join_worker_threads)
        server = stack.enter_context(ThreadedServer(create_app(runtime)))
        meta = MetaSimulator(
            MetaSimConfig(
                app_secret=META_SECRET,
                verify_token=VERIFY_TOKEN,
                page_id=PAGE_ID,
                ig_account_id=IG_ID,
                webhook_url=f"{server.url}/webhooks/meta/{meta_app}",
                access_token=TOKEN,
                retry_delays=(0.05, 0.1, 0.2),
            )
        )
        stack.callback(meta.close)
        xsim = XSimulator(
            XSimConfig(
                consumer_secret=X_SECRET,
                webhook_url=f"{server.url}/webhooks/x/{x_app}",
                brand_user_id=X_BRAND,
                access_token=TOKEN,
            )
        )
        stack.callback(xsim.close)
        meta_url = stack.enter_context(serving(meta.app))
        x_url = stack.enter_context(serving(xsim.app))
        configure(ConnectorConfig(meta_graph_url=f"{meta_url}/v25.0", x_api_url=x_url, timeout_seconds=1.0))
        stack.callback(configure, ConnectorConfig())
        yield Stack(
            runtime,
            server.url,
            brand,
            token,
            meta_app,
            x_app,
            facebook,
            instagram,
            x,
            meta,
            xsim,
            meta_url,
            x_url,
        )
