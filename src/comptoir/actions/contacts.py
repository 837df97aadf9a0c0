"""Contacts (one identity on one platform) and persons (the same human across platforms)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from comptoir import clock
from comptoir.store import tables as t
from comptoir.store.db import Tx


def upsert_contact(
    tx: Tx, *, brand_id: int, platform: str, author: dict[str, Any], language: str | None = None
) -> tuple[int, bool]:
    """Find or create the contact for ``author``; refresh handle, name, followers, verified. Returns (id, created)."""
    c = t.contacts
    now = clock.now()
    external_id = str(author.get("external_id") or "")
    row = tx.conn.execute(
        select(c.c.id, c.c.handle, c.c.display_name, c.c.followers, c.c.verified, c.c.language).where(
            c.c.brand_id == brand_id, c.c.platform == platform, c.c.external_id == external_id
        )
    ).first()
    fresh = {
        "handle": author.get("handle"),
        "display_name": author.get("name"),
        "followers": author.get("followers"),
        "verified": bool(author.get("verified") or False),
    }
    if row is None:
        person_id = int(
            tx.conn.execute(
                insert(t.persons).values(
                    brand_id=brand_id, display_name=fresh["display_name"], created_at=now
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        contact_id = int(
            tx.conn.execute(
                insert(c).values(
                    brand_id=brand_id,
                    person_id=person_id,
                    platform=platform,
                    external_id=external_id,
                    language=language,
                    created_at=now,
                    updated_at=now,
                    **fresh,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        return contact_id, True
    changes = {k: v for k, v in fresh.items() if v is not None and getattr(row, k) != v}
    if row.verified and not fresh["verified"]:
        changes.pop("verified", None)  # a message without the flag never undoes a verified profile
    if language and row.language != language:
        changes["language"] = language
    if changes:
        tx.conn.execute(update(c).where(c.c.id == row.id).values(updated_at=now, **changes))
    return int(row.id), False


def link_persons(tx: Tx, contact_a: int, contact_b: int) -> int:
    """Record that two contacts are the same human: move b's person to a's. Returns the person id."""
    c = t.contacts
    person_a = tx.conn.execute(select(c.c.person_id).where(c.c.id == contact_a)).scalar_one()
    person_b = tx.conn.execute(select(c.c.person_id).where(c.c.id == contact_b)).scalar_one()
    if person_a != person_b:
        tx.conn.execute(update(c).where(c.c.person_id == person_b).values(person_id=person_a))
    return int(person_a)
