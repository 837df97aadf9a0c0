"""Webhook group commit: deliveries that arrive while a group is written share the next transaction; with
``gather_seconds``, that next group also waits a moment for more, but only after a group of several."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import sqlalchemy as sa

from comptoir.actions import admin
from comptoir.channels.base import ChannelEvent
from comptoir.channels.inbox import AccountDirectory, GroupCommitter
from comptoir.channels.meta.webhook import parse
from comptoir.domain.enums import Platform
from comptoir.runtime import Runtime
from comptoir.store import tables as t

PAGE = "4455"


def delivery(mid: str) -> list[ChannelEvent]:
    now_ms = int(time.time() * 1000)
    item = {
        "sender": {"id": f"psid-{mid}"},
        "recipient": {"id": PAGE},
        "timestamp": now_ms,
        "message": {"mid": mid, "text": f"hello {mid}"},
    }
    body = json.dumps({"object": "page", "entry": [{"id": PAGE, "time": now_ms, "messaging": [item]}]})
    return list(parse(body.encode()).events)


def groups(runtime: Runtime) -> list[list[str]]:
    """Messages by transaction: one ingestion stamps one ``received_at`` on all its messages."""
    m = t.messages
    with runtime.db.read() as conn:
        rows = conn.execute(sa.select(m.c.external_id, m.c.received_at).order_by(m.c.id)).all()
    by_commit: dict[object, list[str]] = {}
    for row in rows:
        by_commit.setdefault(row.received_at, []).append(row.external_id)
    return sorted(sorted(ids) for ids in by_commit.values())


@pytest.mark.parametrize(
    ("gather", "expected"),
    [(0.0, [["a", "b"], ["c"], ["d"]]), (0.5, [["a", "b"], ["c", "d"]])],
)
def test_after_a_group_of_several_the_next_group_gathers(
    runtime: Runtime, gather: float, expected: list[list[str]]
) -> None:
    brand = admin.create_brand(runtime.db, "Gather")
    admin.create_account(runtime.db, brand_id=brand, platform=Platform.FACEBOOK, handle="p", external_id=PAGE)
    committer = GroupCommitter(runtime.db, AccountDirectory(), writers=1, gather_seconds=gather)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        first = [loop.create_task(committer.submit(delivery(mid), None)) for mid in ("a", "b")]
        await asyncio.sleep(0)  # the writer takes a and b
        third = loop.create_task(committer.submit(delivery("c"), None))  # waits for that group
        await asyncio.gather(*first)
        await asyncio.sleep(0.2)  # within the gathering time, after c's group would have started
        await asyncio.gather(third, committer.submit(delivery("d"), None))

    asyncio.run(scenario())
    assert groups(runtime) == expected


def test_a_lone_delivery_does_not_wait_for_others(runtime: Runtime) -> None:
    brand = admin.create_brand(runtime.db, "Alone")
    admin.create_account(runtime.db, brand_id=brand, platform=Platform.FACEBOOK, handle="p", external_id=PAGE)
    committer = GroupCommitter(runtime.db, AccountDirectory(), writers=1, gather_seconds=5.0)

    async def scenario() -> float:
        await committer.submit(delivery("warm"), None)  # first connection, account lookup
        started = time.monotonic()
        await committer.submit(delivery("alone"), None)
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 5.0
    assert groups(runtime) == [["alone"], ["warm"]]
