"""Ordered, per-brand rules (acknowledgement and routing rules): enable/disable, move up/down, delete.

Each change is scoped to the brand (another brand's rule is :class:`~comptoir.errors.NotFound`) and audited as
``<prefix>.enabled|disabled|moved|deleted|changed``. The wrappers live in ``actions.acknowledgements`` and
``actions.routing``, which validate a rule's content before :func:`replace` stores it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, select, update

from comptoir import clock
from comptoir.actions import audit
from comptoir.errors import NotFound, ValidationFailed
from comptoir.store.db import Database, Tx


def row_in_brand(tx: Tx, table: Table, brand_id: int, rule_id: int) -> Any:
    """The rule, when it belongs to the brand (NotFound otherwise, another brand's rule included)."""
    row = tx.conn.execute(select(table).where(table.c.id == rule_id, table.c.brand_id == brand_id)).first()
    if row is None:
        raise NotFound(f"rule {rule_id} not found in this brand")
    return row


def set_enabled(
    db: Database, table: Table, prefix: str, brand_id: int, rule_id: int, enabled: bool, *, actor: str
) -> None:
    with db.transaction() as tx:
        row_in_brand(tx, table, brand_id, rule_id)
        tx.conn.execute(
            update(table).where(table.c.id == rule_id).values(enabled=enabled, updated_at=clock.now())
        )
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action=f"{prefix}.{'enabled' if enabled else 'disabled'}",
            data={"rule_id": rule_id},
        )


def move(
    db: Database, table: Table, prefix: str, brand_id: int, rule_id: int, direction: str, *, actor: str
) -> None:
    """Swap with the neighbour (``up``: evaluated earlier); positions are renumbered 0..n-1."""
    if direction not in ("up", "down"):
        raise ValidationFailed("direction: up or down")
    with db.transaction() as tx:
        row_in_brand(tx, table, brand_id, rule_id)
        ordered = [
            int(r.id)
            for r in tx.conn.execute(
                select(table.c.id).where(table.c.brand_id == brand_id).order_by(table.c.position, table.c.id)
            )
        ]
        index = ordered.index(rule_id)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(ordered):
            return
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, rid in enumerate(ordered):
            tx.conn.execute(
                update(table).where(table.c.id == rid).values(position=position, updated_at=clock.now())
            )
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action=f"{prefix}.moved",
            data={"rule_id": rule_id, "direction": direction, "order": ordered},
        )


def remove(db: Database, table: Table, prefix: str, brand_id: int, rule_id: int, *, actor: str) -> None:
    with db.transaction() as tx:
        row = row_in_brand(tx, table, brand_id, rule_id)
        tx.conn.execute(delete(table).where(table.c.id == rule_id))
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action=f"{prefix}.deleted",
            data={"rule_id": rule_id, "name": row.name},
        )


def replace(
    tx: Tx, table: Table, prefix: str, brand_id: int, rule_id: int, values: dict[str, Any], *, actor: str
) -> None:
    """Store a rule's new (already validated) content in ``tx``; audited ``<prefix>.changed`` with before/after."""
    before = row_in_brand(tx, table, brand_id, rule_id)
    tx.conn.execute(update(table).where(table.c.id == rule_id).values(**values, updated_at=clock.now()))
    audit.record(
        tx,
        brand_id=brand_id,
        actor=actor,
        action=f"{prefix}.changed",
        data={"rule_id": rule_id, "before": {key: before._mapping[key] for key in values}, "after": values},
    )
