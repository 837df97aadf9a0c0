"""Per-account responsiveness, measured the way the platforms measure it.

Facebook Pages: the Page's private messages through ``comptoir.sla.responsiveness.facebook_responsiveness``
(response rate, median response time over 7 days, the "very responsive" badge and its forecast). Every
account: the channel's "P% within T over a rolling window" objective (``comptoir.sla.policies``), public and
private. Automatic messages and notes never count as responses; noise is excluded.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from comptoir import clock
from comptoir.domain.enums import Direction, Platform, Visibility
from comptoir.errors import AccountNotFound
from comptoir.sla.policies import default_objective
from comptoir.sla.responsiveness import PageMessage, ResponseSample, facebook_responsiveness, objective_status
from comptoir.store import tables as t
from comptoir.store.db import Database

LOOKBACK = timedelta(days=9)  # 7-day window + the 24-hour silence rule + margin


def _iso(value: Any) -> str | None:
    return clock.isoformat_z(value) if value is not None else None


def account_responsiveness(db: Database, brand_id: int, account_id: int) -> dict[str, Any]:
    m, c, a = t.messages, t.conversations, t.accounts
    now = clock.now()
    with db.read() as conn:
        account = conn.execute(
            select(a.c.platform).where(a.c.id == account_id, a.c.brand_id == brand_id)
        ).first()
        if account is None:
            raise AccountNotFound(f"account {account_id} not found")
        rows = conn.execute(
            select(
                m.c.conversation_id, m.c.direction, m.c.sent_at, m.c.received_at, m.c.visibility, c.c.noise
            )
            .join(c, c.c.id == m.c.conversation_id)
            .where(
                m.c.account_id == account_id,
                m.c.sent_at >= now - LOOKBACK,
                m.c.direction != Direction.NOTE.value,
            )
            .order_by(m.c.conversation_id, m.c.sent_at, m.c.id)
        ).all()
    platform = Platform(account.platform)
    result: dict[str, Any] = {
        "account_id": account_id,
        "platform": platform.value,
        "now": _iso(now),
        "objectives": [],
    }
    by_visibility: dict[str, list[ResponseSample]] = defaultdict(list)
    open_sample: dict[int, Any] = {}
    for row in rows:
        if row.noise:
            continue
        at = min(row.sent_at, row.received_at) if row.direction == Direction.INBOUND.value else row.sent_at
        if row.direction == Direction.INBOUND.value:
            if row.conversation_id not in open_sample:
                open_sample[row.conversation_id] = (row.visibility, at)
        elif row.direction == Direction.OUTBOUND.value and row.conversation_id in open_sample:
            visibility, received = open_sample.pop(row.conversation_id)
            by_visibility[visibility].append(ResponseSample(received, at))
    for visibility, received in open_sample.values():
        by_visibility[visibility].append(ResponseSample(received, None))
    for visibility in (Visibility.PRIVATE, Visibility.PUBLIC):
        objective = default_objective(platform, visibility)
        if objective is None:
            continue
        status = objective_status(by_visibility[visibility.value], objective, now)
        result["objectives"].append(
            {
                "visibility": visibility.value,
                "objective": f"{objective.percent:g}% within {objective.within_seconds / 60:g} min over "
                f"{objective.window_seconds / 86400:g} days",
                "within": status.within,
                "missed": status.missed,
                "pending": status.pending,
                "share": None if status.share is None else round(status.share, 1),
                "met": status.met,
            }
        )
    if platform == Platform.FACEBOOK:
        page = [
            PageMessage(
                at=min(r.sent_at, r.received_at) if r.direction == Direction.INBOUND.value else r.sent_at,
                conversation=str(r.conversation_id),
                direction=Direction(r.direction),
                automatic=r.direction == Direction.AUTOMATIC.value,
                spam=bool(r.noise),
            )
            for r in rows
            if r.visibility == Visibility.PRIVATE.value
        ]
        fb = facebook_responsiveness(page, now)
        result["facebook"] = {
            "counted": fb.counted,
            "answered": fb.answered,
            "waiting": fb.waiting,
            "response_rate": None if fb.response_rate is None else round(fb.response_rate, 3),
            "median_response_seconds": fb.median_response_seconds,
            "very_responsive_badge": fb.badge,
            "forecast": fb.forecast.text,
            "lost_at": _iso(fb.forecast.lost_at),
            "must_answer": fb.forecast.must_answer,
            "answer_by": _iso(fb.forecast.answer_by),
        }
    return result
