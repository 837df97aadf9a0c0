"""Agents' triage corrections, read back for the learning loop (`comptoir triage train --from-db`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.triage.learning import Correction

#: judgement name in ``triage_corrections`` → field of :class:`Correction`
FIELDS = {
    "intent": "intent",
    "sentiment": "sentiment",
    "urgency": "urgency",
    "spam": "spam",
    "needs_reply": "needs_reply",
    "language": "lang",
    "lang": "lang",
}


def corrections_for_brand(db: Database, brand_id: int) -> list[Correction]:
    """One Correction per corrected message of the brand: the latest value of each judgement wins."""
    tc, m = t.triage_corrections, t.messages
    with db.read() as conn:
        rows = conn.execute(
            select(tc.c.message_id, tc.c.judgement, tc.c.new_value, m.c.text)
            .join(m, m.c.id == tc.c.message_id)
            .where(tc.c.brand_id == brand_id)
            .order_by(tc.c.id)
        ).all()
    by_message: dict[int, dict[str, Any]] = {}
    for row in rows:
        field = FIELDS.get(row.judgement)
        if field is None:
            continue
        labels = by_message.setdefault(row.message_id, {"text": row.text, "message_id": str(row.message_id)})
        value: Any = row.new_value
        if field in ("spam", "needs_reply"):
            value = str(value).lower() in ("true", "yes", "1")
        labels[field] = value
    return [Correction(**labels) for labels in by_message.values()]
