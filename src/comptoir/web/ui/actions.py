"""Workspace actions that the core actions do not cover yet: notes, triage corrections, delivery retry,
presence. Each is brand-scoped, audited and announced on the event bus."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from comptoir import clock
from comptoir.actions import audit
from comptoir.actions.replies import DELIVER_MESSAGE
from comptoir.domain.enums import DeliveryStatus, Direction, ProcessingState
from comptoir.errors import ConversationNotFound, NotFound, ValidationFailed
from comptoir.events import Event, publish_on_commit
from comptoir.jobs.queue import enqueue
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.triage.types import INTENTS, SENTIMENTS, URGENCIES

#: What an agent may correct, and to which values.
CORRECTABLE: dict[str, tuple[str, ...]] = {
    "intent": INTENTS,
    "sentiment": SENTIMENTS,
    "urgency": URGENCIES,
    "language": ("fr", "en", "es", "de", "it", "pt", "nl", "ja", "ko", "und"),
    "spam": ("true", "false"),
}
#: The conversation summary column a corrected judgement updates.
SUMMARY_COLUMN = {"intent": "intent", "sentiment": "sentiment", "urgency": "urgency", "language": "language"}


def _conversation(tx_conn: Any, brand_id: int, conversation_id: int) -> Any:
    row = tx_conn.execute(
        select(t.conversations).where(
            t.conversations.c.id == conversation_id, t.conversations.c.brand_id == brand_id
        )
    ).first()
    if row is None:
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return row


def add_note(db: Database, *, brand_id: int, conversation_id: int, agent_id: int, text: str) -> int:
    """An internal note: stored in the timeline (direction "note"), never delivered to anyone."""
    if not text.strip():
        raise ValidationFailed("a note needs text", details={"field": "text"})
    with db.transaction() as tx:
        conv = _conversation(tx.conn, brand_id, conversation_id)
        now = clock.now()
        message_id = int(
            tx.conn.execute(
                insert(t.messages).values(
                    account_id=conv.account_id,
                    conversation_id=conversation_id,
                    direction=Direction.NOTE.value,
                    visibility="private",
                    author_agent_id=agent_id,
                    text=text.strip(),
                    attachments=[],
                    sent_at=now,
                    received_at=now,
                    processing_state=ProcessingState.PROCESSED.value,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        audit.record(
            tx,
            brand_id=brand_id,
            actor=f"agent:{agent_id}",
            action="note.added",
            conversation_id=conversation_id,
            message_id=message_id,
        )
        publish_on_commit(
            tx, Event("note.added", brand_id, {"conversation_id": conversation_id, "message_id": message_id})
        )
    return message_id


def correct_triage(
    db: Database,
    *,
    brand_id: int,
    conversation_id: int,
    message_id: int,
    judgement: str,
    value: str,
    agent_id: int,
) -> None:
    """Record an agent's correction (the learning loop reads triage_corrections) and show it at once."""
    allowed = CORRECTABLE.get(judgement)
    if allowed is None:
        raise ValidationFailed(f"cannot correct {judgement!r}", details={"allowed": sorted(CORRECTABLE)})
    if value not in allowed:
        raise ValidationFailed(f"{value!r} is not a {judgement}", details={"allowed": list(allowed)})
    m = t.messages
    with db.transaction() as tx:
        _conversation(tx.conn, brand_id, conversation_id)
        message = tx.conn.execute(
            select(m.c.id, m.c.triage).where(
                m.c.id == message_id,
                m.c.conversation_id == conversation_id,
                m.c.direction == Direction.INBOUND.value,
            )
        ).first()
        if message is None:
            raise NotFound(f"message {message_id} not found in this conversation")
        triage = message.triage or {}
        old = triage.get("lang" if judgement == "language" else judgement)
        old_value = None if old is None else str(old).lower()
        tx.conn.execute(
            insert(t.triage_corrections).values(
                brand_id=brand_id,
                message_id=message_id,
                judgement=judgement,
                old_value=old_value,
                new_value=value,
                agent_id=agent_id,
                at=clock.now(),
            )
        )
        values: dict[str, Any] = {}
        if judgement in SUMMARY_COLUMN:
            values[SUMMARY_COLUMN[judgement]] = value
        elif judgement == "spam":
            values["noise"] = value == "true"
        tx.conn.execute(
            update(t.conversations).where(t.conversations.c.id == conversation_id).values(**values)
        )
        audit.record(
            tx,
            brand_id=brand_id,
            actor=f"agent:{agent_id}",
            action="triage.corrected",
            conversation_id=conversation_id,
            message_id=message_id,
            data={"judgement": judgement, "old": old_value, "new": value},
        )
        publish_on_commit(tx, Event("conversation.changed", brand_id, {"conversation_id": conversation_id}))


def retry_delivery(
    db: Database, *, brand_id: int, conversation_id: int, message_id: int, agent_id: int
) -> None:
    """Queue a failed reply for delivery again (the same message: the receiver's idempotency key holds)."""
    m = t.messages
    with db.transaction() as tx:
        _conversation(tx.conn, brand_id, conversation_id)
        row = tx.conn.execute(
            select(m.c.delivery_status).where(
                m.c.id == message_id,
                m.c.conversation_id == conversation_id,
                m.c.direction == Direction.OUTBOUND.value,
            )
        ).first()
        if row is None:
            raise NotFound(f"reply {message_id} not found in this conversation")
        if row.delivery_status != DeliveryStatus.FAILED.value:
            raise ValidationFailed("only a failed reply can be retried", details={"status": row.delivery_status})
        tx.conn.execute(
            update(m)
            .where(m.c.id == message_id)
            .values(delivery_status=DeliveryStatus.QUEUED.value, delivery_error=None)
        )
        enqueue(tx, DELIVER_MESSAGE, {"message_id": message_id}, lock=f"outbox:{conversation_id}")
        audit.record(
            tx,
            brand_id=brand_id,
            actor=f"agent:{agent_id}",
            action="reply.retried",
            conversation_id=conversation_id,
            message_id=message_id,
        )
        publish_on_commit(
            tx, Event("reply.queued", brand_id, {"conversation_id": conversation_id, "message_id": message_id})
        )


def announce_presence(
    db: Database, *, brand_id: int, conversation_id: int, agent_id: int, agent_name: str, state: str
) -> None:
    """Tell colleagues (in every server process, through NOTIFY on PostgreSQL) that an agent is replying."""
    with db.transaction() as tx:
        _conversation(tx.conn, brand_id, conversation_id)
        publish_on_commit(
            tx,
            Event(
                "presence",
                brand_id,
                {
                    "conversation_id": conversation_id,
                    "agent_id": agent_id,
                    "agent_name": agent_name,
                    "state": "replying" if state == "replying" else "left",
                },
            ),
        )
