"""Threading: which conversation a message belongs to.

Private messages join the open conversation of (account, contact); within the reopen window after resolution
they reopen it; otherwise they start a new one. Public messages join the conversation of their thread, found
through ``in_reply_to`` and the ``thread_links`` table, which maps every external id seen or referenced to a
conversation. A reply that arrives before its parent registers the parent's id, so the parent joins it later;
if a message bridges two conversations (its parent's and its children's), they are merged into the older one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update

from comptoir import clock
from comptoir.domain.enums import ConversationStatus, Visibility
from comptoir.store import tables as t
from comptoir.store.db import Tx


@dataclass(frozen=True, slots=True)
class ThreadDecision:
    conversation_id: int
    created: bool
    reopened: bool
    merged: tuple[int, ...]
    reason: str


def create_conversation(
    tx: Tx,
    *,
    brand_id: int,
    account_id: int,
    contact_id: int | None,
    visibility: Visibility,
    at: datetime,
    thread_root: str | None = None,
) -> int:
    return int(
        tx.conn.execute(
            insert(t.conversations).values(
                brand_id=brand_id,
                account_id=account_id,
                contact_id=contact_id,
                visibility=visibility.value,
                status=ConversationStatus.OPEN.value,
                priority=0,
                tags=[],
                thread_root=thread_root,
                last_activity_at=at,
                created_at=clock.now(),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    )


def thread_private(
    tx: Tx, *, brand_id: int, account_id: int, contact_id: int, at: datetime, reopen_window: timedelta
) -> ThreadDecision:
    c = t.conversations
    base = select(c.c.id, c.c.status, c.c.resolved_at).where(
        c.c.account_id == account_id,
        c.c.contact_id == contact_id,
        c.c.visibility == Visibility.PRIVATE.value,
        c.c.merged_into.is_(None),
    )
    current = tx.conn.execute(
        base.where(c.c.status != ConversationStatus.RESOLVED.value).order_by(c.c.id.desc()).limit(1)
    ).first()
    if current is not None:
        return ThreadDecision(current.id, False, False, (), f"joined open conversation {current.id}")
    last = tx.conn.execute(base.order_by(c.c.id.desc()).limit(1)).first()
    now = clock.now()
    if last is not None and last.resolved_at is not None and now - last.resolved_at <= reopen_window:
        return ThreadDecision(
            last.id,
            False,
            True,
            (),
            f"reopened conversation {last.id} resolved {last.resolved_at:%Y-%m-%d %H:%M}Z",
        )
    conversation_id = create_conversation(
        tx,
        brand_id=brand_id,
        account_id=account_id,
        contact_id=contact_id,
        visibility=Visibility.PRIVATE,
        at=at,
    )
    reason = (
        "new conversation" if last is None else f"new conversation (previous {last.id} resolved too long ago)"
    )
    return ThreadDecision(conversation_id, True, False, (), reason)


def thread_public(
    tx: Tx,
    *,
    brand_id: int,
    account_id: int,
    contact_id: int | None,
    external_id: str,
    in_reply_to: str | None,
    thread_key: str | None,
    at: datetime,
) -> ThreadDecision:
    links = t.thread_links
    keys = [k for k in dict.fromkeys([external_id, in_reply_to, thread_key]) if k]
    rows = tx.conn.execute(
        select(links.c.external_id, links.c.conversation_id).where(
            links.c.account_id == account_id, links.c.external_id.in_(keys)
        )
    ).all()
    found = sorted({_resolve_merged(tx, int(r.conversation_id)) for r in rows})
    created = False
    merged: tuple[int, ...] = ()
    if not found:
        conversation_id = create_conversation(
            tx,
            brand_id=brand_id,
            account_id=account_id,
            contact_id=contact_id,
            visibility=Visibility.PUBLIC,
            at=at,
            thread_root=thread_key or in_reply_to or external_id,
        )
        created = True
        reason = (
            "new public thread"
            if not in_reply_to
            else f"new public thread (parent {in_reply_to} not seen yet)"
        )
    else:
        conversation_id = found[0]
        merged = tuple(found[1:])
        for other in merged:
            merge_conversations(tx, into=conversation_id, other=other)
        reason = f"joined public thread of conversation {conversation_id}"
        if merged:
            reason += f" (merged {', '.join(map(str, merged))}: a late parent bridged them)"
    known = {r.external_id for r in rows}
    new_links = [
        {"account_id": account_id, "external_id": key, "conversation_id": conversation_id}
        for key in keys
        if key not in known
    ]
    if new_links:
        tx.conn.execute(insert(links), new_links)
    return ThreadDecision(conversation_id, created, False, merged, reason)


def link_reply(tx: Tx, account_id: int, external_id: str, conversation_id: int) -> None:
    """Record a brand's reply in its thread, so that a customer answering *that* reply joins the conversation."""
    links = t.thread_links
    known = tx.conn.execute(
        select(links.c.conversation_id).where(
            links.c.account_id == account_id, links.c.external_id == external_id
        )
    ).first()
    if known is None:
        tx.conn.execute(
            insert(links).values(
                account_id=account_id, external_id=external_id, conversation_id=conversation_id
            )
        )


def conversation_of_message(tx: Tx, account_id: int, external_id: str) -> int | None:
    """The (surviving) conversation of a stored message, or None if it is unknown or not threaded yet."""
    m = t.messages
    value = tx.conn.execute(
        select(m.c.conversation_id).where(m.c.account_id == account_id, m.c.external_id == external_id)
    ).scalar_one_or_none()
    return _resolve_merged(tx, int(value)) if value is not None else None


def _resolve_merged(tx: Tx, conversation_id: int) -> int:
    c = t.conversations
    seen = set()
    while conversation_id not in seen:
        seen.add(conversation_id)
        target = tx.conn.execute(
            select(c.c.merged_into).where(c.c.id == conversation_id)
        ).scalar_one_or_none()
        if target is None:
            return conversation_id
        conversation_id = int(target)
    return conversation_id


def merge_conversations(tx: Tx, *, into: int, other: int) -> None:
    """Move everything of ``other`` into ``into`` and mark ``other`` as merged."""
    c = t.conversations
    tx.conn.execute(
        update(t.messages).where(t.messages.c.conversation_id == other).values(conversation_id=into)
    )
    tx.conn.execute(
        update(t.thread_links).where(t.thread_links.c.conversation_id == other).values(conversation_id=into)
    )
    a = tx.conn.execute(select(c).where(c.c.id == into)).one()
    b = tx.conn.execute(select(c).where(c.c.id == other)).one()

    def earliest(x: datetime | None, y: datetime | None) -> datetime | None:
        values = [v for v in (x, y) if v is not None]
        return min(values) if values else None

    tx.conn.execute(
        update(c)
        .where(c.c.id == into)
        .values(
            first_inbound_at=earliest(a.first_inbound_at, b.first_inbound_at),
            first_response_at=earliest(a.first_response_at, b.first_response_at),
            waiting_since=earliest(a.waiting_since, b.waiting_since),
            last_activity_at=max(a.last_activity_at, b.last_activity_at),
            priority=max(a.priority, b.priority),
            tags=sorted(set(a.tags) | set(b.tags)),
            contact_id=a.contact_id or b.contact_id,
        )
    )
    tx.conn.execute(
        update(c)
        .where(c.c.id == other)
        .values(
            merged_into=into,
            status=ConversationStatus.RESOLVED.value,
            waiting_since=None,
            next_sla_deadline_at=None,
            first_response_due_at=None,
            next_response_due_at=None,
            resolution_due_at=None,
        )
    )
    tx.conn.execute(delete(t.thread_links).where(t.thread_links.c.conversation_id == other))
    # The merged conversation's clocks stop; the surviving one is re-evaluated by the pipeline's SLA step.
    tx.conn.execute(
        delete(t.sla_timers).where(t.sla_timers.c.conversation_id == other, t.sla_timers.c.fired_at.is_(None))
    )
