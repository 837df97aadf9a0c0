"""Ingestion: store inbound messages exactly once and queue their processing, in one transaction.

The caller acknowledges only after :func:`ingest` returns, i.e. after the commit. Idempotency rests on the
unique key (account_id, external_id) and ``INSERT … ON CONFLICT DO NOTHING``: concurrent duplicate deliveries
produce one row, and every caller learns the id of that row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import select, tuple_
from sqlalchemy.dialects import sqlite

from comptoir import clock
from comptoir.domain.enums import DeliveryStatus, Direction, JobStatus, ProcessingState, Visibility
from comptoir.domain.models import InboundMessage
from comptoir.events import wake_workers_on_commit
from comptoir.jobs.queue import enqueue_many
from comptoir.store import tables as t
from comptoir.store.db import Database, Tx

PROCESS_MESSAGE = "process_message"


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    external_id: str
    message_id: int
    duplicate: bool


def processing_lock(message: InboundMessage) -> str:
    """Messages that may land in the same conversation share a lock, so they are processed in order.

    Private messages: per (account, author). Public messages: per account, because a reply can arrive
    before its parent and threading must see one consistent picture.
    """
    if message.visibility == Visibility.PRIVATE and message.direction == Direction.INBOUND:
        return f"thread:{message.account_id}:dm:{message.author.external_id}"
    return f"thread:{message.account_id}:public"


def _row(message: InboundMessage, received_at: Any) -> dict[str, Any]:
    outbound = message.direction != Direction.INBOUND
    author = message.author
    return {
        "account_id": message.account_id,
        "external_id": message.external_id,
        "direction": message.direction.value,
        "visibility": message.visibility.value,
        "author": {
            "external_id": author.external_id,
            "handle": author.handle,
            "name": author.name,
            "followers": author.followers,
            "verified": author.verified,
        },
        "text": message.text,
        "attachments": [asdict(a) for a in message.attachments],
        "sent_at": message.sent_at,
        "received_at": received_at,
        "in_reply_to": message.in_reply_to,
        "thread_key": message.thread_key,
        "raw": message.raw,
        "processing_state": ProcessingState.RECEIVED.value,
        "delivery_status": DeliveryStatus.SENT.value if outbound else None,
        "delivery_attempts": 0,
    }


_RECORDSET_COLUMNS: tuple[tuple[str, str], ...] = (
    ("account_id", "bigint"),
    ("external_id", "text"),
    ("direction", "text"),
    ("visibility", "text"),
    ("author", "text"),
    ("text", "text"),
    ("attachments", "text"),
    ("sent_at", "timestamptz"),
    ("in_reply_to", "text"),
    ("thread_key", "text"),
    ("raw", "text"),
    ("delivery_status", "text"),
    ("lock", "text"),
)
# One statement stores the messages and queues the processing job of each one inserted (the job rows of
# comptoir.jobs.queue.enqueue_many): ``r`` is the JSON document in order, ``ins`` the messages actually
# inserted (a redelivery inserts nothing), and each of them gets one job with the lock of its first
# occurrence in the document, jobs in message id order.
_RECORDSET_SQL = (
    "WITH r AS (SELECT * FROM ROWS FROM (json_to_recordset(%s::json) AS ("
    + ", ".join(f"{n} {k}" for n, k in _RECORDSET_COLUMNS)
    + ")) WITH ORDINALITY AS r("
    + ", ".join(n for n, _ in _RECORDSET_COLUMNS)
    + ", n)), "
    "ins AS (INSERT INTO messages (account_id, external_id, direction, visibility, author, text, "
    "attachments, sent_at, received_at, in_reply_to, thread_key, raw, processing_state, delivery_status, "
    "delivery_attempts) "
    "SELECT r.account_id, r.external_id, r.direction, r.visibility, r.author::json, r.text, "
    "r.attachments::json, r.sent_at, %s::timestamptz, r.in_reply_to, r.thread_key, r.raw::json, "
    f"'{ProcessingState.RECEIVED.value}', r.delivery_status, 0 FROM r ORDER BY r.n "
    "ON CONFLICT (account_id, external_id) DO NOTHING RETURNING id, account_id, external_id), "
    "queued AS (INSERT INTO jobs (kind, payload, lock, status, attempts, run_at, created_at) "
    f"SELECT '{PROCESS_MESSAGE}', ('{{\"message_id\":' || ins.id || '}}')::json, f.lock, "
    f"'{JobStatus.TODO.value}', 0, %s::timestamptz, %s::timestamptz FROM ins "
    "JOIN (SELECT DISTINCT ON (account_id, external_id) account_id, external_id, lock FROM r "
    "ORDER BY account_id, external_id, n) AS f USING (account_id, external_id) ORDER BY ins.id) "
    "SELECT id, account_id, external_id FROM ins"
)
_SENT = DeliveryStatus.SENT.value


def _dumps(value: Any) -> str:
    """JSON text as the engine's JSON type writes it (:func:`comptoir.store.db._json_dumps`)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _recordset_item(message: InboundMessage) -> dict[str, Any]:
    """One message as an object of the JSON document that :data:`_RECORDSET_SQL` reads (the values of
    :func:`_row`). The JSON columns travel as JSON text in a string (PostgreSQL would refuse a ``\\u0000``
    escape inside a nested value it has to extract), and ``raw=None`` is stored as JSON ``null``, as
    SQLAlchemy's JSON type stores it."""
    author = message.author
    return {
        "account_id": message.account_id,
        "external_id": message.external_id,
        "direction": message.direction.value,
        "visibility": message.visibility.value,
        "author": _dumps(
            {
                "external_id": author.external_id,
                "handle": author.handle,
                "name": author.name,
                "followers": author.followers,
                "verified": author.verified,
            }
        ),
        "text": message.text,
        "attachments": _dumps(
            [
                {"kind": a.kind, "url": a.url, "name": a.name, "mime_type": a.mime_type, "size": a.size}
                for a in message.attachments
            ]
        ),
        "sent_at": message.sent_at,
        "in_reply_to": message.in_reply_to,
        "thread_key": message.thread_key,
        "raw": _dumps(message.raw),
        "delivery_status": None if message.direction is Direction.INBOUND else _SENT,
        "lock": processing_lock(message),
    }


def _insert_recordset(
    tx: Tx, messages: Sequence[InboundMessage], received_at: Any
) -> dict[tuple[int, str], int]:
    """PostgreSQL: store any number of messages and queue their jobs in one statement whose text never
    changes (parsed once), the rows as one JSON document (serialised by orjson, read by
    ``json_to_recordset``) — far cheaper than psycopg adapting one Python value at a time, and one round
    trip instead of two."""
    document = orjson.dumps([_recordset_item(m) for m in messages])
    queued_at = clock.now()
    result = tx.conn.exec_driver_sql(_RECORDSET_SQL, (document.decode(), received_at, queued_at, queued_at))
    inserted = {(int(r[1]), str(r[2])): int(r[0]) for r in result}
    if inserted:
        wake_workers_on_commit(tx)
    return inserted


def ingest(db: Database, messages: Sequence[InboundMessage]) -> list[IngestOutcome]:
    """Store ``messages`` (all for one or more accounts) and queue their processing; returns one outcome each."""
    with db.transaction() as tx:
        return ingest_in(tx, messages)


def ingest_in(tx: Tx, messages: Sequence[InboundMessage]) -> list[IngestOutcome]:
    if not messages:
        return []
    received_at = clock.now()
    m = t.messages
    postgres = tx.conn.dialect.name == "postgresql"
    if postgres:
        inserted = _insert_recordset(tx, messages, received_at)  # jobs queued by the same statement
    else:
        rows = [_row(message, received_at) for message in messages]
        statement = (
            sqlite.insert(m)
            .on_conflict_do_nothing(index_elements=["account_id", "external_id"])
            .returning(m.c.id, m.c.account_id, m.c.external_id)
        )
        # executemany: SQLAlchemy's "insertmanyvalues" sends multi-row INSERTs with RETURNING.
        inserted = {(r.account_id, r.external_id): int(r.id) for r in tx.conn.execute(statement, rows)}
    missing = [
        (msg.account_id, msg.external_id)
        for msg in messages
        if (msg.account_id, msg.external_id) not in inserted
    ]
    existing: dict[tuple[int, str], int] = {}
    if missing:
        found = tx.conn.execute(
            select(m.c.id, m.c.account_id, m.c.external_id).where(
                tuple_(m.c.account_id, m.c.external_id).in_(missing)
            )
        )
        existing = {(r.account_id, r.external_id): int(r.id) for r in found}
    jobs: list[tuple[str, dict[str, Any], str]] = []
    outcomes: list[IngestOutcome] = []
    queued: set[int] = set()
    for message in messages:
        key = (message.account_id, message.external_id)
        if key in inserted and inserted[key] not in queued:
            message_id = inserted[key]
            queued.add(message_id)
            if not postgres:
                jobs.append((PROCESS_MESSAGE, {"message_id": message_id}, processing_lock(message)))
            outcomes.append(IngestOutcome(message.external_id, message_id, duplicate=False))
        else:
            message_id = inserted.get(key) or existing[key]
            outcomes.append(IngestOutcome(message.external_id, message_id, duplicate=True))
    if not postgres:
        enqueue_many(tx, jobs)
    return outcomes
