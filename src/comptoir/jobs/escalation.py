"""The escalation notification: a digest of the case sent through apprise to the team's URLs.

Queued by :func:`comptoir.actions.case_moves.escalate` in the escalation's transaction; runs here, outside
any transaction (the network call never holds a database transaction open). A failed delivery raises
:class:`~comptoir.errors.DeliveryFailed` (retryable) so the queue tries again with backoff; the outcome is
audited (``conversation.escalation_sent``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from comptoir.actions import audit
from comptoir.actions.case_moves import ESCALATION_JOB, escalation_urls
from comptoir.actions.conversations import get_conversation
from comptoir.errors import DeliveryFailed, NotFound
from comptoir.jobs.registry import handler
from comptoir.jobs.sla_actions import notify
from comptoir.runtime import Runtime
from comptoir.store import tables as t

LAST_MESSAGES = 5


def digest(conversation: dict[str, Any], *, account: str, platform: str, team: str, note: str, link: str) -> str:
    """Plain text: who, where, the triage, the SLA deadlines, the last messages, the note and the link."""
    contact = conversation.get("contact") or {}
    who = contact.get("name") or contact.get("handle") or "unknown customer"
    if contact.get("followers") is not None:
        who += f" ({contact['followers']} followers{', verified' if contact.get('verified') else ''})"
    lines = [
        f"Escalated to {team}: conversation C-{int(conversation['id']):06d}",
        f"Customer: {who}",
        f"Channel: {platform} {account} ({conversation['visibility']}), status {conversation['status']}",
        "Triage: " + ", ".join(
            f"{k} {conversation.get(k) or '—'}" for k in ("intent", "sentiment", "urgency", "language")
        ) + f", priority {conversation.get('priority')}",
    ]
    deadlines = [
        f"{label} due {conversation[key]}"
        for label, key in (
            ("first response", "first_response_due_at"),
            ("next response", "next_response_due_at"),
            ("resolution", "resolution_due_at"),
        )
        if conversation.get(key)
    ]
    lines.append("SLA: " + ("; ".join(deadlines) if deadlines else "no clock"))
    if note:
        lines.append(f"Note: {note}")
    lines.append("Last messages:")
    for message in conversation.get("messages", [])[-LAST_MESSAGES:]:
        text = " ".join(str(message.get("text") or "").split())
        lines.append(f"- [{message['direction']}, {message.get('sent_at')}] {text[:280]}")
    lines.append(f"Open the case: {link}")
    return "\n".join(lines)


@handler(ESCALATION_JOB)
def send_escalation(runtime: Runtime, payload: dict[str, Any]) -> None:
    brand_id, conversation_id = int(payload["brand_id"]), int(payload["conversation_id"])
    team_id = int(payload["team_id"])
    try:
        conversation = get_conversation(runtime.db, brand_id, conversation_id)
    except NotFound:
        return
    with runtime.db.read() as conn:
        account = conn.execute(
            select(t.accounts.c.handle, t.accounts.c.platform).where(t.accounts.c.id == conversation["account_id"])
        ).one()
        team = conn.execute(select(t.teams.c.name).where(t.teams.c.id == team_id)).scalar() or f"team {team_id}"
    urls = escalation_urls(runtime.db, team_id)
    sent = False
    if urls:
        body = digest(
            conversation, account=str(account.handle), platform=str(account.platform), team=str(team),
            note=str(payload.get("note") or ""), link=str(payload.get("link") or ""),
        )
        title = f"Comptoir: C-{conversation_id:06d} escalated to {team}"
        if not notify(urls, title, body):
            raise DeliveryFailed(f"escalation of conversation {conversation_id}: apprise could not deliver", retryable=True)
        sent = True
    with runtime.db.transaction() as tx:
        audit.record(
            tx, brand_id=brand_id, actor="system", action="conversation.escalation_sent",
            conversation_id=conversation_id,
            data={"team_id": team_id, "urls": len(urls), "sent": sent},
        )
