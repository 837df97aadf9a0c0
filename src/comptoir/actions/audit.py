"""The append-only audit log: who did what, when, on which conversation or message."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from comptoir import clock
from comptoir.store import tables as t
from comptoir.store.db import Tx


def record(
    tx: Tx,
    *,
    brand_id: int,
    actor: str,
    action: str,
    conversation_id: int | None = None,
    message_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    tx.conn.execute(
        insert(t.audit_events).values(
            brand_id=brand_id,
            at=clock.now(),
            actor=actor,
            action=action,
            conversation_id=conversation_id,
            message_id=message_id,
            data=data or {},
        )
    )
