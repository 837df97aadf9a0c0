"""Platform events into storage: route each event to its account, then ingest, reconcile or record it.

Called by the webhook route (:mod:`comptoir.web.webhooks`) with the events of one verified delivery, all in
**one transaction**:

* :class:`MessageEvent` -> :func:`comptoir.actions.ingest.ingest_in` (idempotent on (account, external id));
* :class:`EchoEvent` -> :func:`reconcile_echo` first (the echo of a send Comptoir made: matched by provider
  id, by the idempotency key we passed as Meta ``metadata``, or by text against a reply still in flight),
  and only an echo nobody sent from Comptoir (a human answered from the native app) is ingested, as an
  OUTBOUND message;
* receipts, edits and removals -> :func:`record_receipt`, :func:`record_edit`, :func:`record_removal`
  (the original text is kept in ``raw["edit_history"]`` and in the audit log).

Events for an account Comptoir does not know are logged and dropped (the platform gets its 200).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from comptoir import clock
from comptoir.actions import audit
from comptoir.actions.ingest import ingest_in
from comptoir.channels.base import (
    ChannelEvent,
    DeliveryReceipt,
    EchoEvent,
    MessageEdited,
    MessageEvent,
    MessageRemoved,
    ReadReceipt,
)
from comptoir.domain.enums import DeliveryStatus, Direction, Visibility
from comptoir.domain.models import InboundMessage
from comptoir.events import Event, publish_on_commit
from comptoir.store import tables as t
from comptoir.store.db import Database, Tx

log = logging.getLogger(__name__)

#: The idempotency key the outbox sends with every message (Meta ``metadata``; email Message-ID seed).
OUR_KEY = re.compile(r"^comptoir-message-(\d+)$")


def outbox_key(message_id: int) -> str:
    return f"comptoir-message-{message_id}"


@dataclass(frozen=True, slots=True)
class RoutedAccount:
    id: int
    brand_id: int
    app_id: int | None


class AccountDirectory:
    """(platform, external id) -> account, cached ``ttl`` seconds (misses too, briefly)."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._items: dict[tuple[str, str], tuple[float, RoutedAccount | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, db: Database, keys: set[tuple[str, str]]) -> dict[tuple[str, str], RoutedAccount]:
        now = time.monotonic()
        found: dict[tuple[str, str], RoutedAccount] = {}
        missing: list[tuple[str, str]] = []
        with self._lock:
            for key in keys:
                cached = self._items.get(key)
                if cached is not None and now - cached[0] < self.ttl:
                    if cached[1] is not None:
                        found[key] = cached[1]
                else:
                    missing.append(key)
        if missing:
            a = t.accounts
            with db.read() as conn:
                rows = conn.execute(
                    select(a.c.id, a.c.brand_id, a.c.app_id, a.c.platform, a.c.external_id).where(
                        tuple_(a.c.platform, a.c.external_id).in_(missing),
                        a.c.archived_at.is_(None),  # an archived account takes no new messages
                    )
                ).all()
            loaded = {
                (r.platform, r.external_id): RoutedAccount(int(r.id), int(r.brand_id), r.app_id) for r in rows
            }
            with self._lock:
                for key in missing:
                    self._items[key] = (now, loaded.get(key))
            found.update(loaded)
        return found


@dataclass
class RecordSummary:
    """What one delivery did (logged; counted in tests)."""

    ingested: int = 0
    duplicates: int = 0
    reconciled: int = 0
    native_echoes: int = 0
    receipts: int = 0
    edits: int = 0
    removals: int = 0
    unknown_account: list[str] = field(default_factory=list)
    unknown_message: int = 0
    profiles_queued: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "reconciled": self.reconciled,
            "native_echoes": self.native_echoes,
            "receipts": self.receipts,
            "edits": self.edits,
            "removals": self.removals,
            "unknown_accounts": sorted(set(self.unknown_account)),
        }


def record_events(
    db: Database,
    events: Sequence[ChannelEvent],
    *,
    app_id: int | None = None,
    directory: AccountDirectory | None = None,
) -> RecordSummary:
    """Store ``events`` (one verified webhook delivery) in one transaction."""
    summary = RecordSummary()
    if not events:
        return summary
    keys = {(str(event.platform), event.account_external_id) for event in events}
    accounts = (directory or AccountDirectory(ttl=0)).lookup(db, keys)
    routed: list[tuple[ChannelEvent, RoutedAccount]] = []
    for event in events:
        account = accounts.get((str(event.platform), event.account_external_id))
        if account is None or (app_id is not None and account.app_id not in (None, app_id)):
            summary.unknown_account.append(f"{event.platform}:{event.account_external_id}")
            continue
        routed.append((event, account))
    if summary.unknown_account:
        log.warning(
            "webhook events for unknown accounts ignored: %s", ", ".join(sorted(set(summary.unknown_account)))
        )
    if not routed:
        return summary
    with db.transaction() as tx:
        inbound: list[InboundMessage] = []
        for event, account in routed:
            if isinstance(event, MessageEvent):
                inbound.append(event.for_account(account.id))
            elif isinstance(event, EchoEvent):
                message = event.for_account(account.id)
                if reconcile_echo(tx, account, message, event.metadata):
                    summary.reconciled += 1
                else:
                    summary.native_echoes += 1
                    if not store_native_private_reply(tx, account, str(event.platform), message):
                        inbound.append(message)
            elif isinstance(event, DeliveryReceipt | ReadReceipt):
                record_receipt(tx, account, event)
                summary.receipts += 1
            elif isinstance(event, MessageEdited):
                if record_edit(tx, account, event):
                    summary.edits += 1
                else:
                    summary.unknown_message += 1
            elif isinstance(event, MessageRemoved):
                if record_removal(tx, account, event):
                    summary.removals += 1
                else:
                    summary.unknown_message += 1
        if inbound:
            fresh: list[InboundMessage] = []
            for message, outcome in zip(inbound, ingest_in(tx, inbound), strict=True):
                if outcome.duplicate:
                    summary.duplicates += 1
                else:
                    summary.ingested += 1
                    if message.direction == Direction.INBOUND:
                        fresh.append(message)
            if fresh:
                from comptoir.channels.profiles import wanted_profiles

                platforms = {account.id: (account.brand_id, str(event.platform)) for event, account in routed}
                summary.profiles_queued = wanted_profiles(tx, platforms, fresh)
    return summary


# -- echoes -------------------------------------------------------------------------------------------


def reconcile_echo(tx: Tx, account: RoutedAccount, echo: InboundMessage, metadata: str | None) -> bool:
    """True when ``echo`` is a message Comptoir sent (now marked sent with its provider id)."""
    m = t.messages
    known = tx.conn.execute(
        select(m.c.id, m.c.delivery_status, m.c.provider_id).where(
            m.c.account_id == account.id,
            or_(m.c.provider_id == echo.external_id, m.c.external_id == echo.external_id),
        )
    ).first()
    if known is not None:
        if known.delivery_status == DeliveryStatus.QUEUED.value and known.provider_id == echo.external_id:
            _mark_sent(tx, account, int(known.id), echo.external_id, via="echo")
        return True
    candidate: int | None = None
    match = OUR_KEY.match(metadata or "")
    if match:
        row = tx.conn.execute(
            select(m.c.id).where(m.c.id == int(match.group(1)), m.c.account_id == account.id)
        ).first()
        candidate = int(row.id) if row else None
    if candidate is None:
        # No metadata (X, email): a reply of ours still in flight with exactly this text.
        row = tx.conn.execute(
            select(m.c.id)
            .where(
                m.c.account_id == account.id,
                m.c.direction == Direction.OUTBOUND.value,
                m.c.delivery_status == DeliveryStatus.QUEUED.value,
                m.c.provider_id.is_(None),
                m.c.text == echo.text,
            )
            .order_by(m.c.id)
            .limit(1)
        ).first()
        candidate = int(row.id) if row else None
    if candidate is None:
        return False
    _mark_sent(tx, account, candidate, echo.external_id, via="echo")
    return True


def store_native_private_reply(
    tx: Tx, account: RoutedAccount, platform: str, message: InboundMessage
) -> bool:
    """A private reply typed in the platform's own inbox joins the customer's private conversation.

    The pipeline threads private messages by their customer author; a brand's private message has none, so
    it is stored here, already threaded (thread key ``dm:<customer>``), and stops the conversation's wait.
    False when there is no such conversation yet (the message is then ingested as is).
    """
    key = message.thread_key or ""
    if message.visibility != Visibility.PRIVATE or not key.startswith("dm:"):
        return False
    conversation_id = _contact_conversation(tx, account, platform, key[3:])
    if conversation_id is None:
        return False
    from comptoir.actions.ingest import _row  # the canonical message row of the ingestion action

    now = clock.now()
    row = {**_row(message, now), "conversation_id": conversation_id, "processing_state": "processed"}
    insert_fn = postgresql.insert if tx.conn.dialect.name == "postgresql" else sqlite.insert
    inserted = tx.conn.execute(
        insert_fn(t.messages)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["account_id", "external_id"])
        .returning(t.messages.c.id)
    ).scalar_one_or_none()
    if inserted is None:
        return True  # a redelivery
    c = t.conversations
    conv = tx.conn.execute(
        select(c.c.first_response_at, c.c.last_activity_at).where(c.c.id == conversation_id)
    ).one()
    values: dict[str, Any] = {
        "waiting_since": None,
        "last_activity_at": max(conv.last_activity_at, message.sent_at),
    }
    if conv.first_response_at is None:
        values["first_response_at"] = message.sent_at
    tx.conn.execute(update(c).where(c.c.id == conversation_id).values(**values))
    audit.record(
        tx,
        brand_id=account.brand_id,
        actor="platform",
        action="reply.native",
        conversation_id=conversation_id,
        message_id=int(inserted),
        data={"external_id": message.external_id},
    )
    return True


def _mark_sent(tx: Tx, account: RoutedAccount, message_id: int, provider_id: str, *, via: str) -> None:
    """Record the platform's acceptance of our message ``message_id`` (idempotent)."""
    m = t.messages
    row = tx.conn.execute(
        select(
            m.c.conversation_id, m.c.delivery_status, m.c.provider_id, m.c.external_id, m.c.visibility
        ).where(m.c.id == message_id)
    ).one()
    if row.delivery_status == DeliveryStatus.SENT.value and row.provider_id == provider_id:
        return
    values: dict[str, Any] = {
        "delivery_status": DeliveryStatus.SENT.value,
        "delivery_error": None,
        "provider_id": provider_id,
    }
    clash = tx.conn.execute(
        select(m.c.id).where(
            m.c.account_id == account.id, m.c.external_id == provider_id, m.c.id != message_id
        )
    ).first()
    if row.external_id is None and clash is None:
        values["external_id"] = provider_id
    tx.conn.execute(update(m).where(m.c.id == message_id).values(**values))
    if row.visibility == Visibility.PUBLIC.value and row.conversation_id is not None:
        link_thread(tx, account.id, provider_id, int(row.conversation_id))
    audit.record(
        tx,
        brand_id=account.brand_id,
        actor="system",
        action="reply.sent",
        conversation_id=row.conversation_id,
        message_id=message_id,
        data={"provider_id": provider_id, "via": via},
    )
    publish_on_commit(
        tx,
        Event(
            "reply.sent",
            account.brand_id,
            {"conversation_id": row.conversation_id, "message_id": message_id, "error": None},
        ),
    )


def link_thread(tx: Tx, account_id: int, external_id: str, conversation_id: int) -> None:
    """Our public reply belongs to its thread: a customer answering it lands in the same conversation."""
    insert_fn = postgresql.insert if tx.conn.dialect.name == "postgresql" else sqlite.insert
    tx.conn.execute(
        insert_fn(t.thread_links)
        .values(account_id=account_id, external_id=external_id, conversation_id=conversation_id)
        .on_conflict_do_nothing()
    )


def mark_sent(db: Database, message_id: int, provider_id: str, *, via: str = "send") -> None:
    """The outbox's success path: provider id stored, status sent, public thread linked, audited."""
    a, m = t.accounts, t.messages
    with db.transaction() as tx:
        row = tx.conn.execute(
            select(a.c.id, a.c.brand_id, a.c.app_id)
            .join(m, m.c.account_id == a.c.id)
            .where(m.c.id == message_id)
        ).one()
        _mark_sent(
            tx, RoutedAccount(int(row.id), int(row.brand_id), row.app_id), message_id, provider_id, via=via
        )


# -- receipts, edits, removals ---------------------------------------------------------------------------


def _find(tx: Tx, account_id: int, external_ids: Sequence[str]) -> list[Any]:
    m = t.messages
    if not external_ids:
        return []
    return list(
        tx.conn.execute(
            select(m.c.id, m.c.conversation_id, m.c.text, m.c.raw).where(
                m.c.account_id == account_id,
                or_(m.c.external_id.in_(external_ids), m.c.provider_id.in_(external_ids)),
            )
        ).all()
    )


def _contact_conversation(
    tx: Tx, account: RoutedAccount, platform: str, contact_external_id: str
) -> int | None:
    c, k = t.conversations, t.contacts
    return tx.conn.execute(
        select(c.c.id)
        .join(k, k.c.id == c.c.contact_id)
        .where(
            c.c.account_id == account.id,
            c.c.visibility == Visibility.PRIVATE.value,
            c.c.merged_into.is_(None),
            k.c.platform == platform,
            k.c.external_id == contact_external_id,
        )
        .order_by(c.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def record_receipt(tx: Tx, account: RoutedAccount, event: DeliveryReceipt | ReadReceipt) -> None:
    """An audit event ``message.delivered`` / ``message.read`` on each message named, else on the conversation."""
    delivered = isinstance(event, DeliveryReceipt)
    action = "message.delivered" if delivered else "message.read"
    if isinstance(event, DeliveryReceipt):
        ids: tuple[str, ...] = event.message_ids
        data: dict[str, Any] = {"watermark": clock.isoformat_z(event.watermark) if event.watermark else None}
    else:
        ids = (event.message_id,) if event.message_id else ()
        data = {
            "watermark": clock.isoformat_z(event.watermark) if event.watermark else None,
            "read_at": clock.isoformat_z(event.read_at) if event.read_at else None,
        }
    rows = _find(tx, account.id, ids)
    if rows:
        for row in rows:
            audit.record(
                tx,
                brand_id=account.brand_id,
                actor="platform",
                action=action,
                conversation_id=row.conversation_id,
                message_id=row.id,
                data=data,
            )
        return
    conversation_id = _contact_conversation(tx, account, str(event.platform), event.contact_external_id)
    audit.record(
        tx,
        brand_id=account.brand_id,
        actor="platform",
        action=action,
        conversation_id=conversation_id,
        data={**data, "contact": event.contact_external_id, "message_ids": list(ids)},
    )


def _raw_dict(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return dict(raw)
    return {"original": raw} if raw is not None else {}


def record_edit(tx: Tx, account: RoutedAccount, event: MessageEdited) -> bool:
    rows = _find(tx, account.id, [event.external_id])
    if not rows:
        log.info("edit of unknown message %s ignored", event.external_id)
        return False
    row = rows[0]
    if row.text == event.text:
        return True  # a redelivered edit
    at = clock.isoformat_z(event.edited_at or clock.now())
    raw = _raw_dict(row.raw)
    raw["edit_history"] = [*raw.get("edit_history", []), {"text": row.text, "replaced_at": at}]
    tx.conn.execute(update(t.messages).where(t.messages.c.id == row.id).values(text=event.text, raw=raw))
    audit.record(
        tx,
        brand_id=account.brand_id,
        actor="platform",
        action="message.edited",
        conversation_id=row.conversation_id,
        message_id=row.id,
        data={"previous_text": row.text, "text": event.text, "edited_at": at},
    )
    return True


def record_removal(tx: Tx, account: RoutedAccount, event: MessageRemoved) -> bool:
    rows = _find(tx, account.id, [event.external_id])
    if not rows:
        log.info("removal of unknown message %s ignored", event.external_id)
        return False
    row = rows[0]
    at = clock.isoformat_z(event.at or clock.now())
    raw = _raw_dict(row.raw)
    raw["visibility_changes"] = [*raw.get("visibility_changes", []), {"kind": str(event.kind), "at": at}]
    raw["removed"] = str(event.kind) not in ("unhidden",)
    tx.conn.execute(update(t.messages).where(t.messages.c.id == row.id).values(raw=raw))
    audit.record(
        tx,
        brand_id=account.brand_id,
        actor="platform",
        action=f"message.{event.kind}",
        conversation_id=row.conversation_id,
        message_id=row.id,
        data={"kind": str(event.kind), "at": at, "text": row.text},
    )
    return True


# -- group commit --------------------------------------------------------------------------------------


class GroupCommitter:
    """Concurrent webhook deliveries share one transaction (group commit), each answered after it commits.

    Deliveries queue while up to ``writers`` groups are being written (in worker threads), then go
    together with everything that arrived meanwhile: one commit for many webhooks under load, no wait
    at all when idle. With ``gather_seconds``, a group that follows a group of several deliveries (the
    sign of concurrent load) first waits that long for more: a commit is mostly a fixed cost (round
    trips, the WAL flush), so larger groups cost less per delivery; a lone delivery never waits. A
    group that fails is retried delivery by delivery, so one bad delivery never fails the others.
    SQLite has one writer: ``writers`` is 1 there.
    """

    def __init__(
        self,
        db: Database,
        directory: AccountDirectory,
        *,
        max_group: int = 500,
        writers: int = 2,
        gather_seconds: float = 0.0,
    ) -> None:
        import asyncio

        self.db = db
        self.directory = directory
        self.max_group = max_group
        self.writers = 1 if db.is_sqlite else max(1, writers)
        self.gather_seconds = gather_seconds
        self._pending: list[tuple[list[ChannelEvent], int | None, asyncio.Future[None]]] = []
        self._running = 0

    async def submit(self, events: Sequence[ChannelEvent], app_id: int | None) -> None:
        import asyncio

        if not events:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((list(events), app_id, future))
        if self._running < self.writers:
            self._running += 1
            asyncio.get_running_loop().create_task(self._drain())
        await future

    async def _drain(self) -> None:
        import asyncio

        from starlette.concurrency import run_in_threadpool

        previous = 0
        try:
            while self._pending:
                if self.gather_seconds and previous > 1 and len(self._pending) < self.max_group:
                    await asyncio.sleep(self.gather_seconds)
                group = self._pending[: self.max_group]
                del self._pending[: self.max_group]
                previous = len(group)
                try:
                    await run_in_threadpool(self._write_group, group)
                except Exception:
                    for events, app_id, future in group:
                        try:
                            await run_in_threadpool(
                                record_events, self.db, events, app_id=app_id, directory=self.directory
                            )
                        except Exception as exc:
                            if not future.done():
                                future.set_exception(exc)
                        else:
                            if not future.done():
                                future.set_result(None)
                else:
                    for _, _, future in group:
                        if not future.done():
                            future.set_result(None)
        finally:
            self._running -= 1

    def _write_group(self, group: list[Any]) -> None:
        by_app: dict[int | None, list[ChannelEvent]] = {}
        for events, app_id, _ in group:
            by_app.setdefault(app_id, []).extend(events)
        for app_id, events in by_app.items():
            record_events(self.db, events, app_id=app_id, directory=self.directory)
