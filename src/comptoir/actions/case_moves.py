"""Conversation moves beyond status and assignment: escalate to a team, snooze until a time.

Escalation: :func:`escalate` marks the case (``escalated_at``, the team), audits ``conversation.escalated``
and enqueues an ``escalation.notify`` job in the same transaction; the job (``comptoir.jobs.escalation``)
sends the digest through apprise outside any transaction. Each team's notification URLs are stored in the
``cursors`` key/value table under ``escalation_urls:team:<id>`` (a JSON list), set by supervisors.

Snooze: :func:`snooze` sets status ``snoozed`` and ``snoozed_until``; the timer service reopens the case
when the instant passes (``comptoir.jobs.timers.wake_snoozed``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from comptoir import clock
from comptoir.actions import audit
from comptoir.domain.enums import ConversationStatus
from comptoir.domain.transitions import check_transition
from comptoir.errors import ConversationNotFound, NotFound, ValidationFailed
from comptoir.events import Event, publish_on_commit
from comptoir.jobs.queue import enqueue
from comptoir.store import tables as t
from comptoir.store.db import Database, Tx

ESCALATION_JOB = "escalation.notify"
MAX_URLS = 10
MAX_SNOOZE = timedelta(days=365)


def urls_key(team_id: int) -> str:
    return f"escalation_urls:team:{team_id}"


def _team(tx: Tx, brand_id: int, team_id: int) -> Any:
    row = tx.conn.execute(
        select(t.teams.c.id, t.teams.c.name).where(t.teams.c.id == team_id, t.teams.c.brand_id == brand_id)
    ).first()
    if row is None:
        raise NotFound(f"team {team_id} not found in this brand")
    return row


def escalation_urls(db: Database, team_id: int) -> list[str]:
    with db.read() as conn:
        value = conn.execute(select(t.cursors.c.value).where(t.cursors.c.key == urls_key(team_id))).scalar()
    return [str(u) for u in value] if isinstance(value, list) else []


def set_escalation_urls(db: Database, *, brand_id: int, team_id: int, urls: list[str], actor: str) -> list[str]:
    """Store a team's apprise URLs (one per entry; blank entries dropped), audited ``team.escalation_urls``."""
    cleaned = [u.strip() for u in urls if u.strip()]
    if len(cleaned) > MAX_URLS or any(len(u) > 1000 or "://" not in u for u in cleaned):
        raise ValidationFailed("escalation URLs: at most 10 apprise URLs such as slack://… or json://…")
    key = urls_key(team_id)
    with db.transaction() as tx:
        _team(tx, brand_id, team_id)
        found = tx.conn.execute(select(t.cursors.c.key).where(t.cursors.c.key == key)).first()
        if found is None:
            tx.conn.execute(insert(t.cursors).values(key=key, value=cleaned, updated_at=clock.now()))
        else:
            tx.conn.execute(
                update(t.cursors).where(t.cursors.c.key == key).values(value=cleaned, updated_at=clock.now())
            )
        audit.record(
            tx, brand_id=brand_id, actor=actor, action="team.escalation_urls",
            data={"team_id": team_id, "count": len(cleaned)},
        )
    return cleaned


def escalate(
    db: Database, *, brand_id: int, conversation_id: int, team_id: int, note: str, actor: str, link: str
) -> None:
    """Escalate to ``team_id``: mark, assign the team, audit, and queue the apprise notification."""
    c = t.conversations
    note = note.strip()[:2000]
    now = clock.now()
    with db.transaction() as tx:
        row = tx.conn.execute(select(c.c.id).where(c.c.id == conversation_id, c.c.brand_id == brand_id)).first()
        if row is None:
            raise ConversationNotFound(f"conversation {conversation_id} not found")
        team = _team(tx, brand_id, team_id)
        tx.conn.execute(update(c).where(c.c.id == conversation_id).values(escalated_at=now, team_id=team_id))
        audit.record(
            tx, brand_id=brand_id, actor=actor, action="conversation.escalated", conversation_id=conversation_id,
            data={"team_id": team_id, "team": team.name, "note": note},
        )
        enqueue(
            tx,
            ESCALATION_JOB,
            {"conversation_id": conversation_id, "brand_id": brand_id, "team_id": team_id, "note": note,
             "link": link, "actor": actor},
            lock=f"escalation:{conversation_id}",
        )
        publish_on_commit(tx, Event("conversation.changed", brand_id, {"conversation_id": conversation_id}))


def parse_snooze(duration: str, until: str, now: datetime) -> datetime:
    """``duration`` like ``30m``, ``4h``, ``2d``; or ``until`` an ISO datetime (naive means UTC)."""
    duration, until = duration.strip().lower(), until.strip()
    if duration:
        units = {"m": 60, "h": 3600, "d": 86400}
        number, unit = duration[:-1], duration[-1:]
        if unit not in units or not number.isdigit() or int(number) <= 0:
            raise ValidationFailed("snooze: a duration such as 30m, 4h or 2d")
        target = now + timedelta(seconds=int(number) * units[unit])
    elif until:
        try:
            parsed = datetime.fromisoformat(until.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationFailed("snooze: a date and time such as 2026-12-01T09:00") from exc
        target = clock.ensure_utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    else:
        raise ValidationFailed("snooze: a duration or a date and time")
    if target <= now or target - now > MAX_SNOOZE:
        raise ValidationFailed("snooze: a time in the future, within a year")
    return target


def snooze(db: Database, *, brand_id: int, conversation_id: int, until: datetime, actor: str) -> None:
    c = t.conversations
    with db.transaction() as tx:
        row = tx.conn.execute(
            select(c.c.status).where(c.c.id == conversation_id, c.c.brand_id == brand_id)
        ).first()
        if row is None:
            raise ConversationNotFound(f"conversation {conversation_id} not found")
        if row.status != ConversationStatus.SNOOZED:
            check_transition(ConversationStatus(row.status), ConversationStatus.SNOOZED)
        tx.conn.execute(
            update(c).where(c.c.id == conversation_id).values(status="snoozed", snoozed_until=until)
        )
        audit.record(
            tx, brand_id=brand_id, actor=actor, action="conversation.snoozed", conversation_id=conversation_id,
            data={"until": clock.isoformat_z(until)},
        )
        publish_on_commit(tx, Event("conversation.changed", brand_id, {"conversation_id": conversation_id}))
        publish_on_commit(tx, Event("sla.timers_changed", brand_id, {"conversation_id": conversation_id}))


def record(db: Database, brand_id: int, conversation_id: int, actor: str, action: str, data: dict[str, Any]) -> None:
    """Audit one conversation move (after the action itself committed)."""
    with db.transaction() as tx:
        audit.record(tx, brand_id=brand_id, actor=actor, action=action, conversation_id=conversation_id, data=data)


def _case_row(conn: Any, brand_id: int, conversation_id: int) -> Any:
    c, a = t.conversations, t.accounts
    return conn.execute(
        select(c.c.id, c.c.visibility, c.c.status, c.c.contact_id, c.c.linked_conversation_id, a.c.platform,
               a.c.handle)
        .join(a, a.c.id == c.c.account_id)
        .where(c.c.id == conversation_id, c.c.brand_id == brand_id)
    ).first()


def linked_case(db: Database, brand_id: int, conversation_id: int | None) -> dict[str, Any] | None:
    """The conversation linked to this one (public comment ↔ private follow-up), if any and in the brand."""
    if conversation_id is None:
        return None
    with db.read() as conn:
        row = _case_row(conn, brand_id, conversation_id)
    if row is None:
        return None
    return {"id": row.id, "visibility": row.visibility, "status": row.status, "platform": row.platform,
            "handle": row.handle}


def private_candidates(db: Database, brand_id: int, conversation_id: int) -> list[dict[str, Any]]:
    """For a public conversation without a link: the same customer's private conversations (any channel)."""
    c = t.conversations
    with db.read() as conn:
        row = _case_row(conn, brand_id, conversation_id)
        if row is None or row.visibility != "public" or row.linked_conversation_id is not None:
            return []
        if row.contact_id is None:
            return []
        person = conn.execute(select(t.contacts.c.person_id).where(t.contacts.c.id == row.contact_id)).scalar()
        contact_ids = select(t.contacts.c.id).where(t.contacts.c.person_id == person, t.contacts.c.brand_id == brand_id)
        rows = conn.execute(
            select(c.c.id, c.c.status, t.accounts.c.platform)
            .join(t.accounts, t.accounts.c.id == c.c.account_id)
            .where(c.c.brand_id == brand_id, c.c.visibility == "private", c.c.contact_id.in_(contact_ids),
                   c.c.id != conversation_id)
            .order_by(c.c.id.desc())
            .limit(10)
        ).all()
    return [{"id": r.id, "status": r.status, "platform": r.platform} for r in rows]


def link(db: Database, *, brand_id: int, conversation_id: int, other_id: int, actor: str) -> None:
    """Link a public conversation and the private one that followed, both ways, audited."""
    c = t.conversations
    with db.transaction() as tx:
        one = _case_row(tx.conn, brand_id, conversation_id)
        other = _case_row(tx.conn, brand_id, other_id)
        if one is None:
            raise ConversationNotFound(f"conversation {conversation_id} not found")
        if other is None:
            raise NotFound(f"conversation {other_id} not found in this brand")
        if other_id == conversation_id or one.visibility == other.visibility:
            raise ValidationFailed("link a public conversation with a private one")
        tx.conn.execute(update(c).where(c.c.id == conversation_id).values(linked_conversation_id=other_id))
        tx.conn.execute(update(c).where(c.c.id == other_id).values(linked_conversation_id=conversation_id))
        for this, that in ((conversation_id, other_id), (other_id, conversation_id)):
            audit.record(tx, brand_id=brand_id, actor=actor, action="conversation.linked", conversation_id=this,
                         data={"linked_conversation_id": that})
            publish_on_commit(tx, Event("conversation.changed", brand_id, {"conversation_id": this}))


def redirect_target(db: Database, brand_id: int, account_id: int) -> dict[str, Any] | None:
    """The account (care or regional) this account sends its customers to, when it has one."""
    a = t.accounts
    with db.read() as conn:
        target_id = conn.execute(
            select(a.c.redirect_to).where(a.c.id == account_id, a.c.brand_id == brand_id)
        ).scalar()
        if target_id is None:
            return None
        row = conn.execute(
            select(a.c.id, a.c.handle, a.c.platform, a.c.kind, a.c.region)
            .where(a.c.id == target_id, a.c.brand_id == brand_id)
        ).first()
    if row is None:
        return None
    return {"id": row.id, "handle": row.handle, "platform": row.platform, "kind": row.kind, "region": row.region}


REDIRECT_TEXTS = {
    "fr": "Bonjour, pour vous aider au mieux, notre équipe {handle} prend le relais : écrivez-lui, elle vous "
    "répondra rapidement.",
    "en": "Hello, to help you best, our {handle} team will take it from here: write to them and they will "
    "answer quickly.",
}


def redirect_text(language: str | None, handle: str) -> str:
    """The public reply that points the customer to ``handle``, in the conversation's language (FR or EN)."""
    template = REDIRECT_TEXTS["fr" if (language or "").startswith("fr") else "en"]
    return template.format(handle=handle)


def brands_responsiveness(db: Database, brand_ids: list[int]) -> list[dict[str, Any]]:
    """Every account of these brands with its responsiveness (objectives; Facebook badge and forecast)."""
    from comptoir.actions.responsiveness import account_responsiveness

    a = t.accounts
    with db.read() as conn:
        rows = conn.execute(
            select(a.c.id, a.c.brand_id, a.c.handle, a.c.platform, a.c.kind)
            .where(a.c.brand_id.in_(brand_ids))
            .order_by(a.c.brand_id, a.c.platform, a.c.handle)
        ).all()
    return [
        {"id": r.id, "brand_id": r.brand_id, "handle": r.handle, "platform": r.platform, "kind": r.kind,
         "r": account_responsiveness(db, r.brand_id, r.id)}
        for r in rows
    ]
