"""The explicit "move to private" action: a Meta private reply to a public comment.

:func:`queue_private_reply` stores the agent's message in the public conversation's outbox with
``raw = {"reply_kind": "private_to_comment"}`` (so the outbox sends it with
:attr:`~comptoir.channels.base.ReplyKind.PRIVATE_TO_COMMENT`), answering the comment ``comment_id``
(default: the conversation's latest customer comment). Once Meta accepted it,
:func:`link_private_conversation` opens (or finds) the customer's private conversation and links the two
(``conversations.linked_conversation_id``, both ways): the customer's answer by DM lands there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update

from comptoir import clock
from comptoir.actions import audit
from comptoir.actions.contacts import upsert_contact
from comptoir.actions.replies import DELIVER_MESSAGE, QueuedReply
from comptoir.actions.threading import thread_private
from comptoir.domain.enums import DeliveryStatus, Direction, ProcessingState, Visibility
from comptoir.errors import ConversationNotFound, ValidationFailed
from comptoir.events import Event, publish_on_commit
from comptoir.jobs.queue import enqueue
from comptoir.runtime import Runtime
from comptoir.store import tables as t
from comptoir.store.db import Database

PRIVATE_TO_COMMENT = "private_to_comment"


def queue_private_reply(
    db: Database,
    *,
    brand_id: int,
    conversation_id: int,
    text: str,
    comment_id: str | None = None,
    agent_id: int | None = None,
    actor: str = "api",
) -> QueuedReply:
    """Queue a private reply to a comment of public conversation ``conversation_id``."""
    if not text.strip():
        raise ValidationFailed("a reply needs text", details={"field": "text"})
    m, c = t.messages, t.conversations
    with db.transaction() as tx:
        conv = tx.conn.execute(
            select(c.c.id, c.c.account_id, c.c.visibility).where(
                c.c.id == conversation_id, c.c.brand_id == brand_id
            )
        ).first()
        if conv is None:
            raise ConversationNotFound(f"conversation {conversation_id} not found")
        if conv.visibility != Visibility.PUBLIC.value:
            raise ValidationFailed("a private reply answers a public comment: this conversation is private")
        query = select(m.c.external_id).where(
            m.c.conversation_id == conversation_id, m.c.direction == Direction.INBOUND.value
        )
        if comment_id is not None:
            query = query.where(m.c.external_id == comment_id)
        target = tx.conn.execute(query.order_by(m.c.id.desc()).limit(1)).scalar_one_or_none()
        if target is None:
            raise ValidationFailed(
                "no customer comment to answer privately in this conversation",
                details={"field": "comment_id"},
            )
        now = clock.now()
        message_id = int(
            tx.conn.execute(
                insert(m).values(
                    account_id=conv.account_id,
                    conversation_id=conversation_id,
                    direction=Direction.OUTBOUND.value,
                    visibility=Visibility.PRIVATE.value,
                    author_agent_id=agent_id,
                    text=text,
                    attachments=[],
                    sent_at=now,
                    received_at=now,
                    in_reply_to=target,
                    raw={"reply_kind": PRIVATE_TO_COMMENT},
                    processing_state=ProcessingState.PROCESSED.value,
                    delivery_status=DeliveryStatus.QUEUED.value,
                    delivery_attempts=0,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        tx.conn.execute(update(c).where(c.c.id == conversation_id).values(last_activity_at=now))
        enqueue(tx, DELIVER_MESSAGE, {"message_id": message_id}, lock=f"outbox:{conversation_id}")
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action="reply.private_queued",
            conversation_id=conversation_id,
            message_id=message_id,
            data={"comment_id": target},
        )
        publish_on_commit(
            tx,
            Event("reply.queued", brand_id, {"conversation_id": conversation_id, "message_id": message_id}),
        )
    return QueuedReply(message_id, False, DeliveryStatus.QUEUED.value)


def link_private_conversation(runtime: Runtime, message_id: int, recipient_id: str) -> int:
    """After Meta accepted a private reply: the customer's private conversation, linked to the public one."""
    m, c, a = t.messages, t.conversations, t.accounts
    with runtime.db.transaction() as tx:
        row = tx.conn.execute(
            select(m.c.conversation_id, m.c.text, a.c.id.label("account_id"), a.c.brand_id, a.c.platform)
            .join(a, a.c.id == m.c.account_id)
            .where(m.c.id == message_id)
        ).one()
        author: dict[str, Any] = {"external_id": recipient_id}
        public = tx.conn.execute(
            select(m.c.author).where(
                m.c.conversation_id == row.conversation_id,
                m.c.direction == Direction.INBOUND.value,
            )
        ).all()
        for (known,) in public:
            if isinstance(known, dict) and known.get("external_id") == recipient_id:
                author = known
        contact_id, _ = upsert_contact(tx, brand_id=row.brand_id, platform=row.platform, author=author)
        decision = thread_private(
            tx,
            brand_id=row.brand_id,
            account_id=row.account_id,
            contact_id=contact_id,
            at=clock.now(),
            reopen_window=timedelta(days=runtime.settings.reopen_window_days),
        )
        private_id = decision.conversation_id
        tx.conn.execute(
            update(c).where(c.c.id == private_id).values(linked_conversation_id=row.conversation_id)
        )
        tx.conn.execute(
            update(c).where(c.c.id == row.conversation_id).values(linked_conversation_id=private_id)
        )
        audit.record(
            tx,
            brand_id=row.brand_id,
            actor="system",
            action="conversation.moved_private",
            conversation_id=row.conversation_id,
            message_id=message_id,
            data={"private_conversation_id": private_id, "recipient_id": recipient_id},
        )
    return private_id
