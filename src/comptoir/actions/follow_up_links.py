"""The private follow-up of a public reply, linked to its public conversation automatically.

"Move to private" on X, on an API account or anywhere without Meta's private replies is a public reply
inviting the customer to write privately. When the customer does, the pipeline opens a new private
conversation; :func:`link_follow_up` then looks for the public conversation it follows:

- the same person (``contacts.person_id``: the same human on any channel, so an e-mail or a web chat counts),
- in the same brand (never across brands),
- a public conversation not linked yet (``linked_conversation_id`` empty) and not merged away,
- where the brand answered publicly within ``follow_up_link_window_hours`` before the private message: an
  ``outbound`` public message that was sent (an agent's reply through the outbox, or a reply typed natively on
  the platform). Automatic acknowledgements (direction ``automatic``), notes, Meta private replies to a comment
  (visibility private), and replies still queued or failed never count: the customer may not have seen them.

Exactly one such conversation: the two are linked both ways in the pipeline's transaction, audited
``conversation.linked`` (actor ``system``, ``reason``: :data:`REASON`) on both, and ``conversation.changed`` is
published for both, as :func:`comptoir.actions.case_moves.link` does. Several: none is linked, the agent picks
among the candidates the conversation page offers (``case_moves.private_candidates``). The decision and its
reason go into the pipeline trail of the ``thread`` step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from comptoir import clock
from comptoir.actions import audit
from comptoir.domain.enums import DeliveryStatus, Direction, Visibility
from comptoir.events import Event, publish_on_commit
from comptoir.store import tables as t
from comptoir.store.db import Tx

REASON = "private follow-up after a public reply"
MAX_CANDIDATES = 10


@dataclass(frozen=True, slots=True)
class PublicReply:
    """A public conversation of the person and the brand's latest public reply in it, within the window."""

    conversation_id: int
    message_id: int
    replied_at: datetime


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What :func:`link_follow_up` decided, in words for the pipeline trail."""

    linked_to: int | None
    candidates: tuple[int, ...]
    reason: str

    def trail_data(self) -> dict[str, Any]:
        if self.linked_to is not None:
            return {"linked_conversation_id": self.linked_to}
        if self.candidates:
            return {"follow_up_candidates": list(self.candidates)}
        return {}


def _hours(window: timedelta) -> str:
    return f"{window.total_seconds() / 3600:g} h"


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"


def answered_publicly(
    tx: Tx, *, brand_id: int, contact_id: int, at: datetime, window: timedelta
) -> list[PublicReply]:
    """The person's unlinked public conversations in the brand where the brand answered publicly in the window.

    One entry per conversation (its latest such reply), oldest conversation first.
    """
    c, m, k = t.conversations, t.messages, t.contacts
    person = select(k.c.person_id).where(k.c.id == contact_id, k.c.brand_id == brand_id).scalar_subquery()
    same_person = select(k.c.id).where(k.c.brand_id == brand_id, k.c.person_id == person)
    rows = tx.conn.execute(
        select(c.c.id, m.c.id.label("message_id"), m.c.sent_at)
        .join(m, m.c.conversation_id == c.c.id)
        .where(
            c.c.brand_id == brand_id,
            c.c.visibility == Visibility.PUBLIC.value,
            c.c.linked_conversation_id.is_(None),
            c.c.merged_into.is_(None),
            c.c.contact_id.in_(same_person),
            m.c.direction == Direction.OUTBOUND.value,
            m.c.visibility == Visibility.PUBLIC.value,
            m.c.delivery_status == DeliveryStatus.SENT.value,
            m.c.sent_at >= at - window,
            m.c.sent_at <= at,
        )
        .order_by(c.c.id, m.c.sent_at.desc(), m.c.id.desc())
        .limit(200)
    ).all()
    latest: dict[int, PublicReply] = {}
    for row in rows:
        if row.id not in latest:
            latest[int(row.id)] = PublicReply(int(row.id), int(row.message_id), clock.ensure_utc(row.sent_at))
    return list(latest.values())


def link_follow_up(
    tx: Tx,
    *,
    brand_id: int,
    conversation_id: int,
    contact_id: int,
    message_id: int,
    at: datetime,
    window: timedelta,
) -> FollowUp:
    """Link the new private conversation ``conversation_id`` to the one public conversation it follows, if one.

    ``at`` is the private message's time; the brand's public reply must fall in ``[at - window, at]``.
    """
    found = answered_publicly(tx, brand_id=brand_id, contact_id=contact_id, at=at, window=window)
    found = [f for f in found if f.conversation_id != conversation_id]
    if not found:
        return FollowUp(
            None,
            (),
            f"not linked: no public conversation of this person answered publicly within {_hours(window)}",
        )
    if len(found) > 1:
        ids = tuple(f.conversation_id for f in found[:MAX_CANDIDATES])
        return FollowUp(
            None,
            ids,
            f"not linked: {len(found)} public conversations of this person were answered publicly within "
            f"{_hours(window)} ({', '.join(map(str, ids))}); an agent picks",
        )
    (reply,) = found
    c = t.conversations
    # Guarded by "not linked yet": a concurrent follow-up (another channel of the same person) that linked the
    # public conversation first wins, and this one stays unlinked rather than half-linked.
    claimed = tx.conn.execute(
        update(c)
        .where(c.c.id == reply.conversation_id, c.c.linked_conversation_id.is_(None))
        .values(linked_conversation_id=conversation_id)
    ).rowcount
    if claimed != 1:
        return FollowUp(
            None, (), f"not linked: public conversation {reply.conversation_id} was linked meanwhile"
        )
    tx.conn.execute(
        update(c).where(c.c.id == conversation_id).values(linked_conversation_id=reply.conversation_id)
    )
    details = {
        "reason": REASON,
        "public_reply_message_id": reply.message_id,
        "replied_at": clock.isoformat_z(reply.replied_at),
        "window_hours": window.total_seconds() / 3600,
    }
    for this, that in ((reply.conversation_id, conversation_id), (conversation_id, reply.conversation_id)):
        audit.record(
            tx,
            brand_id=brand_id,
            actor="system",
            action="conversation.linked",
            conversation_id=this,
            message_id=message_id,
            data={"linked_conversation_id": that, **details},
        )
        publish_on_commit(tx, Event("conversation.changed", brand_id, {"conversation_id": this}))
    return FollowUp(
        reply.conversation_id,
        (reply.conversation_id,),
        f"linked to public conversation {reply.conversation_id}: {REASON} (the brand answered publicly "
        f"{_ago(at - reply.replied_at)} earlier, within {_hours(window)})",
    )
