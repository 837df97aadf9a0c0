"""What happens when an SLA clock is at risk or breached: the policy's actions, each audited.

Actions (per policy, per event): ``{"type": "raise_priority", "by": 10}`` or ``{"type": "raise_priority",
"to": 90}``; ``{"type": "notify", "urls": ["slack://…", "mailto://…", "json://…"]}`` (apprise);
``{"type": "reassign", "team_id": 3}`` or ``{"type": "reassign", "assignee_id": 7}``.
Without actions in the policy, at-risk raises the priority by 10 and a breach by 20 (capped at 100).
"""

from __future__ import annotations

import logging
from typing import Any

import apprise
from sqlalchemy import select, update

from comptoir.actions import audit
from comptoir.events import Event, publish_on_commit
from comptoir.jobs.registry import handler
from comptoir.jobs.timers import SLA_EVENT
from comptoir.runtime import Runtime
from comptoir.store import tables as t

log = logging.getLogger(__name__)

DEFAULT_ACTIONS: dict[str, list[dict[str, Any]]] = {
    "at_risk": [{"type": "raise_priority", "by": 10}],
    "breach": [{"type": "raise_priority", "by": 20}],
}
CLOCK_LABELS = {
    "first_response": "first response",
    "next_response": "next response",
    "resolution": "resolution",
}


def notify(urls: list[str], title: str, body: str) -> bool:
    """Send a notification through apprise (Slack, Teams, email, JSON webhooks …)."""
    sender = apprise.Apprise()
    for url in urls:
        sender.add(url)
    return bool(sender.notify(title=title, body=body))


@handler(SLA_EVENT)
def handle_sla_event(runtime: Runtime, payload: dict[str, Any]) -> None:
    conversation_id = int(payload["conversation_id"])
    event, clock_name = str(payload["event"]), str(payload["clock"])
    c, p = t.conversations, t.sla_policies
    notifications: list[tuple[list[str], str, str]] = []
    with runtime.db.transaction() as tx:
        conv = tx.conn.execute(select(c).where(c.c.id == conversation_id)).first()
        if conv is None:
            return
        actions = DEFAULT_ACTIONS.get(event, [])
        if conv.sla_policy_id is not None:
            policy = tx.conn.execute(
                select(p.c.actions, p.c.name).where(p.c.id == conv.sla_policy_id)
            ).first()
            if policy is not None and policy.actions.get(event):
                actions = policy.actions[event]
        values: dict[str, Any] = {}
        done: list[str] = []
        for action in actions:
            kind = action.get("type")
            if kind == "raise_priority":
                current = int(values.get("priority", conv.priority))
                target = int(action["to"]) if "to" in action else current + int(action.get("by", 10))
                values["priority"] = max(current, min(100, target))
                done.append(f"priority {conv.priority} → {values['priority']}")
            elif kind == "reassign":
                if action.get("team_id") is not None:
                    values["team_id"] = int(action["team_id"])
                    done.append(f"team → {action['team_id']}")
                if action.get("assignee_id") is not None:
                    values["assignee_id"] = int(action["assignee_id"])
                    done.append(f"assignee → {action['assignee_id']}")
            elif kind == "notify":
                label = CLOCK_LABELS.get(clock_name, clock_name)
                what = "breached" if event == "breach" else "at risk"
                title = f"Comptoir: conversation {conversation_id}: {label} {what}"
                body = f"The {label} deadline ({payload.get('fire_at')}) of conversation {conversation_id} is {what}."
                notifications.append((list(action.get("urls", [])), title, body))
                done.append("notification sent")
        if values:
            tx.conn.execute(update(c).where(c.c.id == conversation_id).values(**values))
            publish_on_commit(
                tx, Event("conversation.changed", conv.brand_id, {"conversation_id": conversation_id})
            )
        audit.record(
            tx,
            brand_id=conv.brand_id,
            actor="sla",
            action=f"sla.{event}.actions",
            conversation_id=conversation_id,
            data={"clock": clock_name, "done": done},
        )
    for urls, title, body in notifications:
        if not notify(urls, title, body):
            log.warning("SLA notification for conversation %s could not be delivered", conversation_id)
