"""What the ingestion action writes: every column of a message row and its processing job, the same for a
batch and for single messages, on SQLite and PostgreSQL (PostgreSQL's batch insert goes through its own SQL)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from comptoir import clock
from comptoir.actions import admin
from comptoir.actions.ingest import PROCESS_MESSAGE, ingest, processing_lock
from comptoir.domain.enums import Direction, Platform, Visibility
from comptoir.domain.models import Attachment, Author, InboundMessage
from comptoir.jobs.queue import enqueue_many
from comptoir.runtime import Runtime
from comptoir.store import tables as t

NOW = datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)
RAWS: list[Any] = [
    None,
    {"a": 1, "b": [1, 2.5, None, True], "c": 'é"\\\n', "nul": "a\x00b"},
    [1, "x"],
    "text",
    {"deep": {"deeper": {"list": []}}},
]
TEXTS = ["", "plain", 'émoji 😀 \t tab \\ backslash "quote"', "x" * 3000, "line\nbreak\r\n", "\u2028sep"]


@pytest.fixture
def frozen_clock() -> Iterator[None]:
    clock.set_now_function(lambda: NOW)
    try:
        yield
    finally:
        clock.set_now_function(lambda: datetime.now(UTC))


def messages(account_id: int, prefix: str, count: int = 18) -> list[InboundMessage]:
    return [
        InboundMessage(
            account_id=account_id,
            external_id=f"{prefix}-{i}",
            author=Author(
                external_id=f"u{i % 4}",
                handle=None if i % 2 else "@hé",
                name="Zoë 😀" if i % 3 else None,
                followers=None if i % 5 == 0 else i * 1000,
                verified=bool(i % 2),
            ),
            text=TEXTS[i % len(TEXTS)],
            sent_at=NOW - timedelta(days=i, microseconds=7 * i),
            visibility=Visibility.PUBLIC if i % 3 == 0 else Visibility.PRIVATE,
            in_reply_to=None if i % 2 else f"parent-{i}",
            attachments=()
            if i % 3
            else (
                Attachment(kind="image", url="https://example.com/a?b=1&c=2", mime_type="image/png", size=12),
                Attachment(kind="file"),
            ),
            raw=RAWS[i % len(RAWS)],
            direction=Direction.OUTBOUND if i % 7 == 3 else Direction.INBOUND,
            thread_key=None if i % 5 else f"dm:{i}",
        )
        for i in range(count)
    ]


def stored(runtime: Runtime, account_id: int) -> list[dict[str, Any]]:
    m = t.messages
    json_text = [sa.cast(c, sa.Text).label(f"{c.name}_text") for c in (m.c.author, m.c.attachments, m.c.raw)]
    with runtime.db.read() as conn:
        rows = conn.execute(select_all(m, json_text).where(m.c.account_id == account_id).order_by(m.c.id))
        return [dict(row._mapping) for row in rows]


def select_all(m: sa.Table, extra: list[Any]) -> sa.Select[Any]:
    return sa.select(*[c for c in m.c if c.name not in ("id", "account_id")], *extra)


def expected_row(message: InboundMessage) -> dict[str, Any]:
    author = {
        "external_id": message.author.external_id,
        "handle": message.author.handle,
        "name": message.author.name,
        "followers": message.author.followers,
        "verified": message.author.verified,
    }
    attachments = [
        {"kind": a.kind, "url": a.url, "name": a.name, "mime_type": a.mime_type, "size": a.size}
        for a in message.attachments
    ]
    return {
        "external_id": message.external_id,
        "direction": message.direction.value,
        "visibility": message.visibility.value,
        "author": author,
        "author_text": orjson.dumps(author).decode(),
        "text": message.text,
        "attachments": attachments,
        "attachments_text": orjson.dumps(attachments).decode(),
        "sent_at": message.sent_at,
        "received_at": NOW,
        "in_reply_to": message.in_reply_to,
        "thread_key": message.thread_key,
        "raw": message.raw,
        "raw_text": orjson.dumps(message.raw).decode(),  # None is stored as JSON null, not SQL NULL
        "processing_state": "received",
        "delivery_status": None if message.direction == Direction.INBOUND else "sent",
        "delivery_attempts": 0,
        "conversation_id": None,
    }


def comparable(row: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {
        k: clock.from_storage(v) if k in ("sent_at", "received_at") else v
        for k, v in row.items()
        if k in keys
    }


@pytest.mark.usefixtures("frozen_clock")
def test_batch_and_single_messages_store_the_same_rows_and_jobs(runtime: Runtime) -> None:
    brand = admin.create_brand(runtime.db, "Storage")
    batch_account, single_account = (
        int(admin.create_account(runtime.db, brand_id=brand, platform=Platform.API, handle=h)["id"])
        for h in ("batch", "single")
    )
    batch = messages(batch_account, "m")
    outcomes = ingest(runtime.db, batch)
    assert [o.duplicate for o in outcomes] == [False] * len(batch)
    redelivered = ingest(runtime.db, [*batch[:3], *messages(batch_account, "n", 2)])
    assert [o.duplicate for o in redelivered] == [True, True, True, False, False]
    assert [o.message_id for o in redelivered[:3]] == [o.message_id for o in outcomes[:3]]
    for message in messages(single_account, "m"):
        ingest(runtime.db, [message])

    expected = [expected_row(m) for m in [*batch, *messages(batch_account, "n", 2)]]
    keys = set(expected[0])
    assert [comparable(row, keys) for row in stored(runtime, batch_account)] == expected
    singles = [comparable(row, keys) for row in stored(runtime, single_account)]
    assert singles == [expected_row(m) for m in messages(single_account, "m")]

    j, m = t.jobs, t.messages
    with runtime.db.read() as conn:
        jobs = conn.execute(
            sa.select(j.c.kind, j.c.payload, j.c.lock, j.c.status, j.c.attempts, j.c.run_at, j.c.created_at)
            .where(j.c.kind == PROCESS_MESSAGE)
            .order_by(j.c.id)
        ).all()
        ids = conn.execute(sa.select(m.c.id, m.c.account_id, m.c.external_id).order_by(m.c.id)).all()
    by_key = {(r.account_id, r.external_id): int(r.id) for r in ids}
    every = [*batch, *messages(batch_account, "n", 2), *messages(single_account, "m")]
    assert [(r.kind, r.payload, r.lock, r.status, r.attempts) for r in jobs] == [
        (
            PROCESS_MESSAGE,
            {"message_id": by_key[(x.account_id, x.external_id)]},
            processing_lock(x),
            "todo",
            0,
        )
        for x in every
    ]
    assert [r.payload["message_id"] for r in jobs] == sorted(int(r.id) for r in ids)
    assert {(clock.from_storage(r.run_at), clock.from_storage(r.created_at)) for r in jobs} == {(NOW, NOW)}


@pytest.mark.usefixtures("frozen_clock")
def test_enqueue_many_stores_payloads_verbatim(runtime: Runtime) -> None:
    later = NOW + timedelta(hours=1)
    payloads: list[dict[str, Any]] = [{"x": 1, "y": [None, "é"]}, {}, {"nul": "a\x00b", "f": 1.5}]
    with runtime.db.transaction() as tx:
        enqueue_many(tx, [("k", p, f"lock-{i}") for i, p in enumerate(payloads)])
        enqueue_many(tx, [("one", {"z": 2}, "lock-x")], run_at=later)
    j = t.jobs
    with runtime.db.read() as conn:
        rows = conn.execute(
            sa.select(
                j.c.kind, j.c.payload, sa.cast(j.c.payload, sa.Text), j.c.lock, j.c.status, j.c.run_at
            ).order_by(j.c.id)
        ).all()
    assert [(r[0], r[1], r[2], r[3], r[4], clock.from_storage(r[5])) for r in rows] == [
        *(("k", p, orjson.dumps(p).decode(), f"lock-{i}", "todo", NOW) for i, p in enumerate(payloads)),
        ("one", {"z": 2}, '{"z":2}', "lock-x", "todo", later),
    ]


@pytest.mark.usefixtures("frozen_clock")
def test_a_key_twice_in_one_batch_is_stored_and_queued_once_with_its_first_lock(runtime: Runtime) -> None:
    brand = admin.create_brand(runtime.db, "Twice")
    account = int(admin.create_account(runtime.db, brand_id=brand, platform=Platform.API, handle="t")["id"])
    first, other, again = messages(account, "k", 3)
    again = dataclasses.replace(again, external_id=first.external_id)  # same key, another thread lock
    assert processing_lock(again) != processing_lock(first)
    outcomes = ingest(runtime.db, [first, other, again])
    assert [o.duplicate for o in outcomes] == [False, False, True]
    assert outcomes[2].message_id == outcomes[0].message_id
    j, m = t.jobs, t.messages
    with runtime.db.read() as conn:
        texts = conn.execute(sa.select(m.c.text).where(m.c.account_id == account).order_by(m.c.id)).scalars()
        jobs = conn.execute(sa.select(j.c.payload, j.c.lock).order_by(j.c.id)).all()
    assert list(texts) == [first.text, other.text]
    assert [(r.payload["message_id"], r.lock) for r in jobs] == [
        (outcomes[0].message_id, processing_lock(first)),
        (outcomes[1].message_id, processing_lock(other)),
    ]
