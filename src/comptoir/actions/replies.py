"""Outbound replies: stored in the outbox (messages with a delivery status) and delivered by a job."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from comptoir import clock
from comptoir.actions import audit
from comptoir.actions.sla import recompute as recompute_sla
from comptoir.domain.enums import DeliveryStatus, Direction, ProcessingState
from comptoir.errors import ConversationNotFound, ValidationFailed
from comptoir.events import Event, publish_on_commit
from comptoir.jobs.queue import enqueue
from comptoir.store import tables as t
from comptoir.store.db import Database

DELIVER_MESSAGE = "deliver_message"


@dataclass(frozen=True, slots=True)
class QueuedReply:
    message_id: int
    duplicate: bool
    delivery_status: str


def queue_reply(
    db: Database,
    *,
    brand_id: int,
    conversation_id: int,
    text: str,
    idempotency_key: str | None = None,
    agent_id: int | None = None,
    actor: str = "api",
) -> QueuedReply:
    """Store an agent reply in the outbox and queue its delivery. The same idempotency key never sends twice."""
    if not text.strip():
        raise ValidationFailed("a reply needs text", details={"field": "text"})
    m, c = t.messages, t.conversations
    try:
        with db.transaction() as tx:
            conv = tx.conn.execute(
                select(
                    c.c.id, c.c.account_id, c.c.visibility, c.c.first_response_at, c.c.waiting_since
                ).where(c.c.id == conversation_id, c.c.brand_id == brand_id)
            ).first()
            if conv is None:
                raise ConversationNotFound(f"conversation {conversation_id} not found")
            if idempotency_key:
                existing = tx.conn.execute(
                    select(m.c.id, m.c.delivery_status).where(
                        m.c.conversation_id == conversation_id, m.c.idempotency_key == idempotency_key
                    )
                ).first()
                if existing is not None:
                    return QueuedReply(int(existing.id), True, existing.delivery_status)
            now = clock.now()
            last_inbound = tx.conn.execute(
                select(m.c.external_id)
                .where(m.c.conversation_id == conversation_id, m.c.direction == Direction.INBOUND.value)
                .order_by(m.c.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            message_id = int(
                tx.conn.execute(
                    insert(m).values(
                        account_id=conv.account_id,
                        conversation_id=conversation_id,
                        direction=Direction.OUTBOUND.value,
                        visibility=conv.visibility,
                        author_agent_id=agent_id,
                        text=text,
                        attachments=[],
                        sent_at=now,
                        received_at=now,
                        in_reply_to=last_inbound,
                        processing_state=ProcessingState.PROCESSED.value,
                        delivery_status=DeliveryStatus.QUEUED.value,
                        delivery_attempts=0,
                        idempotency_key=idempotency_key,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
            values: dict[str, object] = {"last_activity_at": now, "waiting_since": None}
            if conv.first_response_at is None:
                values["first_response_at"] = now
            tx.conn.execute(update(c).where(c.c.id == conversation_id).values(**values))
            recompute_sla(tx, conversation_id)
            enqueue(tx, DELIVER_MESSAGE, {"message_id": message_id}, lock=f"outbox:{conversation_id}")
            audit.record(
                tx,
                brand_id=brand_id,
                actor=actor,
                action="reply.queued",
                conversation_id=conversation_id,
                message_id=message_id,
                data={"idempotency_key": idempotency_key} if idempotency_key else {},
            )
            publish_on_commit(
                tx,
                Event(
                    "reply.queued", brand_id, {"conversation_id": conversation_id, "message_id": message_id}
                ),
            )
    except IntegrityError:
        # A concurrent request with the same idempotency key won the race: return its message.
        with db.read() as conn:
            row = conn.execute(
                select(m.c.id, m.c.delivery_status).where(
                    m.c.conversation_id == conversation_id, m.c.idempotency_key == idempotency_key
                )
            ).one()
        return QueuedReply(int(row.id), True, row.delivery_status)
    return QueuedReply(message_id, False, DeliveryStatus.QUEUED.value)


def mark_delivery(
    db: Database,
    message_id: int,
    *,
    status: DeliveryStatus,
    error: str | None = None,
    provider_id: str | None = None,
) -> None:
    m = t.messages
    with db.transaction() as tx:
        row = tx.conn.execute(
            select(m.c.conversation_id, m.c.delivery_attempts, m.c.account_id).where(m.c.id == message_id)
        ).one()
        values: dict[str, object] = {
            "delivery_status": status.value,
            "delivery_error": error,
            "delivery_attempts": row.delivery_attempts + 1,
        }
        if provider_id is not None:
            values["provider_id"] = provider_id
        tx.conn.execute(update(m).where(m.c.id == message_id).values(**values))
        brand_id = tx.conn.execute(
            select(t.accounts.c.brand_id).where(t.accounts.c.id == row.account_id)
        ).scalar_one()
        audit.record(
            tx,
            brand_id=brand_id,
            actor="system",
            action=f"reply.{status.value}",
            conversation_id=row.conversation_id,
            message_id=message_id,
            data={"error": error} if error else {},
        )
        publish_on_commit(
            tx,
            Event(
                f"reply.{status.value}",
                brand_id,
                {"conversation_id": row.conversation_id, "message_id": message_id, "error": error},
            ),
        )
