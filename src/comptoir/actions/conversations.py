"""Reading and changing conversations: inbox lists, one conversation with its timeline, typed changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select, update

from comptoir import clock
from comptoir.actions import audit
from comptoir.actions.assignment import capacity_freed
from comptoir.actions.sla import assess, clocks_view
from comptoir.domain.enums import ConversationStatus
from comptoir.domain.transitions import check_transition
from comptoir.errors import ConversationNotFound, NotFound, ValidationFailed
from comptoir.events import Event, publish_on_commit
from comptoir.store import tables as t
from comptoir.store.db import Database

SORTS = {
    "waiting": "waiting longest first (open conversations whose customer waits)",
    "deadline": "nearest SLA deadline first, then priority, then waiting longest",
    "priority": "highest priority first, then waiting longest",
    "recent": "most recent activity first",
    "oldest": "oldest activity first",
}


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    status: ConversationStatus | None = None
    account_id: int | None = None
    visibility: str | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    tag: str | None = None
    language: str | None = None
    intent: str | None = None
    sentiment: str | None = None
    urgency: str | None = None
    noise: str = "exclude"
    sort: str = "waiting"
    limit: int = 50
    offset: int = 0


def _iso(value: datetime | None) -> str | None:
    return clock.isoformat_z(value) if value else None


def conversation_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "brand_id": row.brand_id,
        "account_id": row.account_id,
        "contact_id": row.contact_id,
        "visibility": row.visibility,
        "status": row.status,
        "priority": row.priority,
        "assignee_id": row.assignee_id,
        "team_id": row.team_id,
        "tags": list(row.tags or []),
        "thread_root": row.thread_root,
        "language": row.language,
        "intent": row.intent,
        "sentiment": row.sentiment,
        "urgency": row.urgency,
        "noise": bool(row.noise),
        "linked_conversation_id": row.linked_conversation_id,
        "first_response_due_at": _iso(row.first_response_due_at),
        "next_response_due_at": _iso(row.next_response_due_at),
        "resolution_due_at": _iso(row.resolution_due_at),
        "next_sla_deadline_at": _iso(row.next_sla_deadline_at),
        "first_inbound_at": _iso(row.first_inbound_at),
        "first_response_at": _iso(row.first_response_at),
        "waiting_since": _iso(row.waiting_since),
        "last_activity_at": _iso(row.last_activity_at),
        "resolved_at": _iso(row.resolved_at),
    }


def inbox_query(brand_id: int, f: ConversationFilter) -> Select[Any]:
    c = t.conversations
    query = select(c).where(c.c.brand_id == brand_id, c.c.merged_into.is_(None))
    if f.sort == "waiting":
        query = query.where(c.c.waiting_since.is_not(None))
        if f.status is None:
            query = query.where(c.c.status == ConversationStatus.OPEN.value)
    if f.status is not None:
        query = query.where(c.c.status == f.status.value)
    if f.account_id is not None:
        query = query.where(c.c.account_id == f.account_id)
    if f.visibility is not None:
        query = query.where(c.c.visibility == f.visibility)
    if f.assignee_id is not None:
        query = query.where(c.c.assignee_id == f.assignee_id)
    if f.team_id is not None:
        query = query.where(c.c.team_id == f.team_id)
    for column, value in (
        (c.c.language, f.language),
        (c.c.intent, f.intent),
        (c.c.sentiment, f.sentiment),
        (c.c.urgency, f.urgency),
    ):
        if value is not None:
            query = query.where(column == value)
    if f.noise == "exclude":
        query = query.where(c.c.noise.is_(False))
    elif f.noise == "only":
        query = query.where(c.c.noise.is_(True))
    if f.tag is not None:
        tagged = select(t.conversation_tags.c.conversation_id).where(t.conversation_tags.c.tag == f.tag)
        query = query.where(c.c.id.in_(tagged))
    order = {
        "waiting": [c.c.waiting_since.asc(), c.c.id.asc()],
        "priority": [c.c.priority.desc(), c.c.waiting_since.asc(), c.c.id.asc()],
        "deadline": [
            c.c.next_sla_deadline_at.asc().nulls_last(),
            c.c.priority.desc(),
            c.c.waiting_since.asc(),
        ],
        "recent": [c.c.last_activity_at.desc(), c.c.id.desc()],
        "oldest": [c.c.last_activity_at.asc(), c.c.id.asc()],
    }[f.sort]
    if f.noise == "include":
        order = [c.c.noise.asc(), *order]  # noise stays visible on demand, below everything else
    return query.order_by(*order).limit(f.limit).offset(f.offset)


def list_conversations(db: Database, brand_id: int, f: ConversationFilter) -> list[dict[str, Any]]:
    if f.sort not in SORTS:
        raise ValidationFailed(f"unknown sort {f.sort!r}", details={"allowed": sorted(SORTS)})
    with db.read() as conn:
        rows = conn.execute(inbox_query(brand_id, f)).all()
        ids = [r.id for r in rows]
        previews: dict[int, str] = {}
        if ids:
            m = t.messages
            last = (
                select(m.c.conversation_id, m.c.text, m.c.id)
                .where(m.c.conversation_id.in_(ids), m.c.direction != "note")
                .order_by(m.c.conversation_id, m.c.id.desc())
            )
            for r in conn.execute(last):
                previews.setdefault(r.conversation_id, r.text[:140])
    return [{**conversation_dict(r), "preview": previews.get(r.id, "")} for r in rows]


def message_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "direction": row.direction,
        "visibility": row.visibility,
        "external_id": row.external_id,
        "author": row.author,
        "author_contact_id": row.author_contact_id,
        "author_agent_id": row.author_agent_id,
        "text": row.text,
        "attachments": row.attachments,
        "sent_at": _iso(row.sent_at),
        "received_at": _iso(row.received_at),
        "in_reply_to": row.in_reply_to,
        "processing_state": row.processing_state,
        "pipeline": row.pipeline_trail,
        "triage": row.triage,
        "delivery_status": row.delivery_status,
        "delivery_error": row.delivery_error,
        "provider_id": row.provider_id,
    }


def get_conversation(db: Database, brand_id: int, conversation_id: int) -> dict[str, Any]:
    c, m, a = t.conversations, t.messages, t.audit_events
    with db.read() as conn:
        row = conn.execute(select(c).where(c.c.id == conversation_id, c.c.brand_id == brand_id)).first()
        if row is None:
            raise ConversationNotFound(f"conversation {conversation_id} not found")
        messages = conn.execute(
            select(m).where(m.c.conversation_id == conversation_id).order_by(m.c.sent_at, m.c.id)
        )
        events = conn.execute(
            select(a).where(a.c.conversation_id == conversation_id, a.c.brand_id == brand_id).order_by(a.c.id)
        )
        contact = None
        if row.contact_id is not None:
            crow = conn.execute(select(t.contacts).where(t.contacts.c.id == row.contact_id)).first()
            if crow is not None:
                contact = {
                    "id": crow.id,
                    "person_id": crow.person_id,
                    "platform": crow.platform,
                    "external_id": crow.external_id,
                    "handle": crow.handle,
                    "name": crow.display_name,
                    "followers": crow.followers,
                    "verified": crow.verified,
                    "language": crow.language,
                }
        assessment = assess(conn, conversation_id)
        return {
            **conversation_dict(row),
            "sla": {
                "policy_id": assessment.policy.id if assessment.policy else None,
                "policy": assessment.policy.policy.name if assessment.policy else None,
                "clocks": clocks_view(assessment.evaluation),
            },
            "merged_into": row.merged_into,
            "contact": contact,
            "messages": [message_dict(r) for r in messages],
            "audit": [
                {
                    "id": e.id,
                    "at": _iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "data": e.data,
                    "message_id": e.message_id,
                }
                for e in events
            ],
        }


def change_conversation(
    db: Database, brand_id: int, conversation_id: int, changes: dict[str, Any], *, actor: str
) -> dict[str, Any]:
    """Apply a typed change (status through the transition table, assignee, team, tags), audited."""
    c = t.conversations
    with db.transaction() as tx:
        row = tx.conn.execute(select(c).where(c.c.id == conversation_id, c.c.brand_id == brand_id)).first()
        if row is None:
            raise ConversationNotFound(f"conversation {conversation_id} not found")
        values: dict[str, Any] = {}
        if "status" in changes and changes["status"] is not None:
            target = ConversationStatus(changes["status"])
            check_transition(ConversationStatus(row.status), target)
            if target != row.status:
                values["status"] = target.value
                values["resolved_at"] = clock.now() if target == ConversationStatus.RESOLVED else None
        if "assignee_id" in changes:
            agent_id = changes["assignee_id"]
            if agent_id is not None:
                member = tx.conn.execute(
                    select(t.agent_brands.c.agent_id).where(
                        t.agent_brands.c.agent_id == agent_id, t.agent_brands.c.brand_id == brand_id
                    )
                ).first()
                if member is None:
                    raise NotFound(f"agent {agent_id} not found in this brand")
            values["assignee_id"] = agent_id
        if "team_id" in changes:
            team_id = changes["team_id"]
            if team_id is not None:
                team = tx.conn.execute(
                    select(t.teams.c.id).where(t.teams.c.id == team_id, t.teams.c.brand_id == brand_id)
                ).first()
                if team is None:
                    raise NotFound(f"team {team_id} not found in this brand")
            values["team_id"] = team_id
        if changes.get("tags") is not None:
            tags = sorted({tag.strip().lower() for tag in changes["tags"] if tag.strip()})
            values["tags"] = tags
            tx.conn.execute(
                delete(t.conversation_tags).where(t.conversation_tags.c.conversation_id == conversation_id)
            )
            if tags:
                tx.conn.execute(
                    insert(t.conversation_tags),
                    [{"conversation_id": conversation_id, "tag": tag} for tag in tags],
                )
        if values:
            tx.conn.execute(update(c).where(c.c.id == conversation_id).values(**values))
            freed = row.assignee_id is not None and (
                values.get("status") == ConversationStatus.RESOLVED.value
                or ("assignee_id" in values and values["assignee_id"] != row.assignee_id)
            )
            if freed:
                capacity_freed(tx, row.assignee_id, values.get("team_id", row.team_id))
            audit.record(
                tx,
                brand_id=brand_id,
                actor=actor,
                action="conversation.changed",
                conversation_id=conversation_id,
                data={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()},
            )
            publish_on_commit(
                tx, Event("conversation.changed", brand_id, {"conversation_id": conversation_id})
            )
    return get_conversation(db, brand_id, conversation_id)
