"""What the agent may send in a conversation right now: reply kind, messaging window, length limit.

:func:`reply_rules` answers ``GET /api/v1/conversations/{id}/reply-rules`` so the workspace can say *before*
the agent writes that Meta's window is closed, or count X's 280 characters. The outbox enforces the same
rules when sending (the connectors raise), so this is advice, never the only check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from comptoir import clock
from comptoir.channels.apps import decrypt_settings
from comptoir.channels.meta.window import window_closes_at
from comptoir.channels.x.text import MAX_WEIGHTED_LENGTH
from comptoir.domain.enums import Direction, Platform, Visibility
from comptoir.errors import ConversationNotFound
from comptoir.settings import Settings
from comptoir.store import tables as t
from comptoir.store.db import Database


@dataclass(frozen=True, slots=True)
class Limits:
    max_length: int | None  # characters (X: weighted, URLs count 23)
    window: Callable[[datetime | None, bool], datetime | None] | None  # private messaging window


def _meta_window(last: datetime | None, human_agent: bool) -> datetime | None:
    return window_closes_at(last, human_agent=human_agent)


#: Per (platform, visibility): the limits the platform imposes on a reply.
LIMITS: dict[tuple[Platform, Visibility], Limits] = {
    (Platform.X, Visibility.PUBLIC): Limits(MAX_WEIGHTED_LENGTH, None),
    (Platform.X, Visibility.PRIVATE): Limits(10_000, None),
    (Platform.FACEBOOK, Visibility.PUBLIC): Limits(8_000, None),
    (Platform.FACEBOOK, Visibility.PRIVATE): Limits(1_999, _meta_window),
    (Platform.INSTAGRAM, Visibility.PUBLIC): Limits(2_200, None),
    (Platform.INSTAGRAM, Visibility.PRIVATE): Limits(1_000, _meta_window),
}


def reply_rules(db: Database, settings: Settings, brand_id: int, conversation_id: int) -> dict[str, Any]:
    c, a, m = t.conversations, t.accounts, t.messages
    with db.read() as conn:
        row = conn.execute(
            select(c.c.visibility, a.c.platform, a.c.settings)
            .join(a, a.c.id == c.c.account_id)
            .where(c.c.id == conversation_id, c.c.brand_id == brand_id)
        ).first()
        if row is None:
            raise ConversationNotFound(f"conversation {conversation_id} not found")
        last = conn.execute(
            select(func.max(m.c.sent_at)).where(
                m.c.conversation_id == conversation_id, m.c.direction == Direction.INBOUND.value
            )
        ).scalar_one_or_none()
    platform, visibility = Platform(row.platform), Visibility(row.visibility)
    limits = LIMITS.get((platform, visibility), Limits(None, None))
    human_agent = bool(decrypt_settings(row.settings or {}, settings).get("human_agent", False))
    closes = limits.window(last, human_agent) if limits.window else None
    now = clock.now()
    open_ = limits.window is None or (closes is not None and now < closes)
    rules: dict[str, Any] = {
        "platform": platform.value,
        "reply_kind": "public" if visibility == Visibility.PUBLIC else "direct",
        "max_length": limits.max_length,
        "can_reply": open_,
        "window_closes_at": clock.isoformat_z(closes) if closes else None,
        "private_reply_to_comment": platform in (Platform.FACEBOOK, Platform.INSTAGRAM)
        and visibility == Visibility.PUBLIC,
    }
    if not open_:
        rules["reason"] = (
            "the customer has not written privately: Meta allows no message outside a window"
            if closes is None
            else f"the messaging window closed at {clock.isoformat_z(closes)}"
            + (" (7 days, HUMAN_AGENT)" if human_agent else " (24 hours; HUMAN_AGENT allows 7 days)")
        )
    return rules
