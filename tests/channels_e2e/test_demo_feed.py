"""`comptoir demo --simulators`: the corpus's social messages through the simulators, replies back to them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from comptoir.actions import admin
from comptoir.demo import demo_replay_items
from comptoir.runtime import Runtime
from comptoir.simulators.demo_feed import feed, is_simulated, running_simulators, setup_platform_accounts
from comptoir.store import tables as t
from comptoir.web.app import create_app
from tests.channels_e2e.conftest import join_worker_threads, wait_for
from tests.conftest import ThreadedServer


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    try:
        with ThreadedServer(create_app(runtime)) as running:
            yield running.url
    finally:
        join_worker_threads()


def test_demo_corpus_arrives_as_signed_webhooks_and_replies_reach_the_timeline(
    runtime: Runtime, server: str
) -> None:
    brand = admin.create_brand(runtime.db, "Lumeo")
    token = admin.create_token(runtime.db, brand, "demo")
    platform = setup_platform_accounts(runtime.db, runtime.settings, brand)
    items = [i for i in demo_replay_items() if is_simulated(i)]
    channels = {str(i.payload["raw"]["channel"]) for i in items}
    assert channels == {"x", "x_dm", "messenger", "ig_dm", "fb", "ig"}
    picked = [i for i in items if str(i.payload["raw"]["channel"]) != "x"][:25] + [
        i for i in items if str(i.payload["raw"]["channel"]) == "x"
    ][:25]
    picked.sort(key=lambda i: i.delay_s or 0)
    with running_simulators(server, platform) as sims:
        assert feed(sims, picked, speed=10_000) == len(picked)

        def stored() -> int:
            with runtime.db.read() as conn:
                return int(
                    conn.execute(
                        select(func.count())
                        .select_from(t.messages)
                        .where(t.messages.c.conversation_id.is_not(None))
                    ).scalar_one()
                )

        wait_for(lambda: stored() >= len(picked), timeout=60, what="the demo messages processed")
        x_account = platform["accounts"]["x"]
        with runtime.db.read() as conn:
            conversation_id = conn.execute(
                select(t.conversations.c.id)
                .where(t.conversations.c.account_id == x_account, t.conversations.c.visibility == "public")
                .limit(1)
            ).scalar_one()
        with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}) as api:
            reply = api.post(
                f"/api/v1/conversations/{conversation_id}/replies", json={"text": "On s'en occupe !"}
            )
            assert reply.status_code == 202
        wait_for(
            lambda: [
                i for i in sims.x.timeline() if i["kind"] == "tweet" and i["text"] == "On s'en occupe !"
            ],
            what="the reply in the X simulator's timeline",
        )
