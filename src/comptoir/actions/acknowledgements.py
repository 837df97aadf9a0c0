"""Honest automatic acknowledgements: rules per brand, decided by the pipeline, marked as automatic.

A rule (``ack_rules.spec``):

```
{"when": "out_of_hours" | "first_contact" | "wait_exceeds_target",
 "kind": "receipt" | "delay" | "redirect",
 "channels": ["facebook", "x", ...],          # optional: every channel by default
 "public": false,                             # public threads only when true
 "templates": {"fr": "...", "en": "..."},     # {delay}, {next_opening}, {name}, {redirect} are filled in
 "redirect": "https://aide.example/…",        # for kind "redirect": where we send the customer
 "min_interval_hours": 12,
 "default_pace_per_agent_hour": 12, "agents_at_opening": 2}
```

Every automatic message starts with "Message automatique" / "Automatic reply"; it is a message of direction
``automatic``, which no SLA clock or responsiveness metric counts as a response. Never twice to the same
conversation within ``min_interval_hours``, never to automated senders (email loop rules), never on noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from comptoir import clock
from comptoir.actions import audit
from comptoir.actions.sla import calendar_for
from comptoir.domain.enums import DeliveryStatus, Direction, ProcessingState, Visibility
from comptoir.errors import ValidationFailed
from comptoir.events import Event, publish_on_commit
from comptoir.jobs.queue import enqueue
from comptoir.sla.calendar import BusinessClock, business_clock
from comptoir.sla.delay import DelayBasis, expected_delay, round_up_for_announcement
from comptoir.store import tables as t
from comptoir.store.db import Database, Tx

WHEN = {"out_of_hours", "first_contact", "wait_exceeds_target"}
KINDS = {"receipt", "delay", "redirect"}
PREFIX = {"fr": "Message automatique", "en": "Automatic reply"}
DEFAULT_TEMPLATES: dict[str, dict[str, str]] = {
    "receipt": {
        "fr": "Bonjour {name}, nous avons bien reçu votre message. Un conseiller vous répond dès que possible.",
        "en": "Hi {name}, we have received your message. An agent will answer you as soon as possible.",
    },
    "delay": {
        "fr": "Bonjour {name}, merci pour votre message. Un conseiller vous répondra dans {delay}.",
        "en": "Hi {name}, thanks for your message. An agent will answer you in {delay}.",
    },
    "redirect": {
        "fr": "Bonjour {name}, vous trouverez une réponse rapide ici : {redirect}. Un conseiller lit aussi votre "
        "message.",
        "en": "Hi {name}, you can find a quick answer here: {redirect}. An agent will also read your message.",
    },
}


def create_rule(
    db: Database,
    brand_id: int,
    name: str,
    spec: dict[str, Any],
    position: int | None = None,
    *,
    actor: str = "cli",
) -> int:
    check_spec(spec)
    r = t.ack_rules
    with db.transaction() as tx:
        if position is None:
            last = tx.conn.execute(
                select(func.max(r.c.position)).where(r.c.brand_id == brand_id)
            ).scalar_one()
            position = 0 if last is None else int(last) + 1
        rule_id = int(
            tx.conn.execute(
                insert(r).values(
                    brand_id=brand_id,
                    position=position,
                    name=name,
                    spec=spec,
                    enabled=True,
                    updated_at=clock.now(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        audit.record(tx, brand_id=brand_id, actor=actor, action="ack_rule.created", data={"rule_id": rule_id})
    return rule_id


#: Tuning keys of a rule that the administration form does not show: an edit keeps them.
TUNING_KEYS = ("default_pace_per_agent_hour", "agents_at_opening")


def update_rule(
    db: Database, brand_id: int, rule_id: int, name: str, spec: dict[str, Any], *, actor: str = "cli"
) -> None:
    """Replace a rule's name and spec, validated like :func:`create_rule`; the stored tuning keys
    (:data:`TUNING_KEYS`) are kept unless ``spec`` gives them. Audited ``ack_rule.changed``."""
    from comptoir.actions import ordered_rules

    name = name.strip()
    if not name:
        raise ValidationFailed("a rule needs a name", details={"field": "name"})
    check_spec(spec)
    with db.transaction() as tx:
        stored = dict(ordered_rules.row_in_brand(tx, t.ack_rules, brand_id, rule_id).spec or {})
        kept = {key: stored[key] for key in TUNING_KEYS if key in stored and key not in spec}
        ordered_rules.replace(
            tx, t.ack_rules, "ack_rule", brand_id, rule_id, {"name": name, "spec": spec | kept}, actor=actor
        )


def check_spec(spec: dict[str, Any]) -> None:
    if spec.get("when") not in WHEN:
        raise ValidationFailed(f"rule 'when' must be one of {sorted(WHEN)}")
    if spec.get("kind", "receipt") not in KINDS:
        raise ValidationFailed(f"rule 'kind' must be one of {sorted(KINDS)}")
    if spec.get("kind") == "redirect" and not spec.get("redirect"):
        raise ValidationFailed("a redirect rule needs 'redirect' (where the customer is sent)")
    for language, text in (spec.get("templates") or {}).items():
        if not isinstance(text, str) or not text.strip():
            raise ValidationFailed(f"template {language!r} is empty")


@dataclass(frozen=True, slots=True)
class AckDecision:
    rule_id: int
    kind: str
    text: str
    reason: str
    delay_seconds: float | None


def humanise_delay(seconds: float, language: str) -> str:
    announced = round_up_for_announcement(seconds)
    minutes = int(announced.total_seconds() // 60)
    if minutes < 60:
        return f"environ {minutes} minutes" if language == "fr" else f"about {minutes} minutes"
    hours = minutes / 60
    text = (
        f"{hours:.0f}"
        if hours >= 10 or hours.is_integer()
        else f"{hours:.1f}".replace(".", "," if language == "fr" else ".")
    )
    return f"environ {text} heures" if language == "fr" else f"about {text} hours"


FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def humanise_opening(instant: datetime, zone: str, language: str) -> str:
    local = instant.astimezone(ZoneInfo(zone))
    days = FR_DAYS if language == "fr" else EN_DAYS
    return (
        f"{days[local.weekday()]} {local:%H:%M}"
        if language == "fr"
        else f"{days[local.weekday()]} at {local:%H:%M}"
    )


def decide(
    tx: Tx,
    *,
    brand_id: int,
    account_id: int,
    platform: str,
    conversation_id: int,
    conversation_created: bool,
    visibility: Visibility,
    language: str,
    author_name: str | None,
    noise: bool,
    raw: Any,
    now: datetime,
) -> tuple[AckDecision | None, str]:
    """Choose the first applicable rule and write the message, or say why none applies."""
    r = t.ack_rules
    rules = tx.conn.execute(
        select(r).where(r.c.brand_id == brand_id, r.c.enabled.is_(True)).order_by(r.c.position, r.c.id)
    ).all()
    if not rules:
        return None, "no acknowledgement rule"
    if noise:
        return None, "noise: no acknowledgement"
    if isinstance(raw, dict) and raw.get("auto_reply_allowed") is False:
        return None, f"automated sender: {raw.get('auto_reply_reason') or 'loop rules'}"
    calendar = calendar_for(tx.conn, brand_id, account_id)
    measure = business_clock(calendar) if calendar is not None else None
    language = "fr" if language == "fr" else "en"
    for rule in rules:
        spec = dict(rule.spec)
        if spec.get("channels") and platform not in spec["channels"]:
            continue
        if visibility == Visibility.PUBLIC and not spec.get("public", False):
            continue
        recent = _last_automatic(tx, conversation_id)
        interval = timedelta(hours=float(spec.get("min_interval_hours", 12)))
        if recent is not None and now - recent < interval:
            return None, f"an automatic message was sent {int((now - recent).total_seconds() // 60)} min ago"
        estimate = _estimate(tx, brand_id, conversation_id, measure, spec, now)
        when = spec["when"]
        if when == "out_of_hours" and (measure is None or measure.is_open(now)):
            continue
        if when == "first_contact" and not conversation_created:
            continue
        if when == "wait_exceeds_target":
            target = _first_response_target(tx, conversation_id)
            if target is None or estimate is None or estimate.seconds is None or estimate.seconds <= target:
                continue
        kind = spec.get("kind", "receipt")
        if kind == "delay" and (estimate is None or estimate.seconds is None):
            kind = "receipt"  # never announce a delay we cannot back with figures
        template = (spec.get("templates") or {}).get(language) or DEFAULT_TEMPLATES[kind][language]
        values = {
            "name": (author_name or "").split(" ")[0] or ("à vous" if language == "fr" else "there"),
            "delay": humanise_delay(estimate.seconds, language) if estimate and estimate.seconds else "",
            "next_opening": humanise_opening(estimate.next_opening, calendar.timezone, language)
            if estimate and estimate.next_opening and calendar
            else "",
            "redirect": str(spec.get("redirect", "")),
        }
        try:
            body = template.format(**values)
        except (KeyError, IndexError, ValueError):
            body = DEFAULT_TEMPLATES[kind][language].format(**values)
        text = f"{PREFIX[language]} — {body}"
        reason = f"rule {rule.name!r} ({when}, {kind})"
        decision = AckDecision(rule.id, kind, text, reason, estimate.seconds if estimate else None)
        _queue_automatic(tx, brand_id, account_id, conversation_id, visibility, decision)
        return decision, reason
    return None, "no rule applies"


def _last_automatic(tx: Tx, conversation_id: int) -> datetime | None:
    m = t.messages
    value = tx.conn.execute(
        select(func.max(m.c.sent_at)).where(
            m.c.conversation_id == conversation_id, m.c.direction == Direction.AUTOMATIC.value
        )
    ).scalar_one()
    return clock.from_storage(value)


def _first_response_target(tx: Tx, conversation_id: int) -> float | None:
    c, p = t.conversations, t.sla_policies
    row = tx.conn.execute(
        select(p.c.targets).join(c, c.c.sla_policy_id == p.c.id).where(c.c.id == conversation_id)
    ).first()
    if row is None or row.targets.get("first_response_minutes") is None:
        return None
    return float(row.targets["first_response_minutes"]) * 60


def _estimate(
    tx: Tx,
    brand_id: int,
    conversation_id: int,
    measure: BusinessClock | None,
    spec: dict[str, Any],
    now: datetime,
) -> Any:
    """Expected delay from the live queue: backlog ahead, agents on duty, recent pace (replies per agent-hour)."""
    c, m, ab, ag = t.conversations, t.messages, t.agent_brands, t.agents
    mine = tx.conn.execute(select(c.c.waiting_since).where(c.c.id == conversation_id)).scalar_one()
    mine = clock.from_storage(mine) or now
    backlog = tx.conn.execute(
        select(func.count()).where(
            c.c.brand_id == brand_id,
            c.c.status == "open",
            c.c.noise.is_(False),
            c.c.waiting_since.is_not(None),
            c.c.waiting_since < mine,
            c.c.id != conversation_id,
        )
    ).scalar_one()
    online = tx.conn.execute(
        select(func.count())
        .select_from(ag.join(ab, ab.c.agent_id == ag.c.id))
        .where(ab.c.brand_id == brand_id, ag.c.availability == "online")
    ).scalar_one()
    open_now = measure is None or measure.is_open(now)
    agents = int(online) if open_now and online else int(spec.get("agents_at_opening", 2))
    window = timedelta(hours=2)
    replies = tx.conn.execute(
        select(func.count())
        .select_from(m.join(c, c.c.id == m.c.conversation_id))
        .where(
            c.c.brand_id == brand_id,
            m.c.direction == Direction.OUTBOUND.value,
            m.c.author_agent_id.is_not(None),
            m.c.sent_at >= now - window,
        )
    ).scalar_one()
    pace = float(spec.get("default_pace_per_agent_hour", 12))
    if replies >= 5 and agents:
        pace = replies / (agents * window.total_seconds() / 3600)
    kwargs: dict[str, Any] = {
        "now": now,
        "backlog_ahead": int(backlog),
        "agents_on_duty": agents,
        "pace_per_agent_hour": pace,
    }
    if measure is not None:
        kwargs["measure"] = measure
    estimate = expected_delay(**kwargs)
    return None if estimate.basis == DelayBasis.UNKNOWN else estimate


def _queue_automatic(
    tx: Tx,
    brand_id: int,
    account_id: int,
    conversation_id: int,
    visibility: Visibility,
    decision: AckDecision,
) -> None:
    from comptoir.actions.replies import DELIVER_MESSAGE

    m = t.messages
    now = clock.now()
    message_id = int(
        tx.conn.execute(
            insert(m).values(
                account_id=account_id,
                conversation_id=conversation_id,
                direction=Direction.AUTOMATIC.value,
                visibility=visibility.value,
                text=decision.text,
                attachments=[],
                sent_at=now,
                received_at=now,
                processing_state=ProcessingState.PROCESSED.value,
                delivery_status=DeliveryStatus.QUEUED.value,
                delivery_attempts=0,
                idempotency_key=f"ack:{decision.rule_id}:{now.isoformat()}",
                raw={"automatic": True, "kind": decision.kind, "rule_id": decision.rule_id},
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    )
    enqueue(tx, DELIVER_MESSAGE, {"message_id": message_id}, lock=f"outbox:{conversation_id}")
    data: dict[str, Any] = {"rule_id": decision.rule_id, "kind": decision.kind}
    if decision.delay_seconds is not None:
        data["announced_delay_seconds"] = round(decision.delay_seconds)
    audit.record(
        tx,
        brand_id=brand_id,
        actor="system",
        action="ack.sent",
        conversation_id=conversation_id,
        message_id=message_id,
        data=data,
    )
    if decision.kind == "redirect":
        audit.record(
            tx,
            brand_id=brand_id,
            actor="system",
            action="ack.redirect",
            conversation_id=conversation_id,
            message_id=message_id,
            data={"rule_id": decision.rule_id},
        )
    publish_on_commit(
        tx, Event("reply.queued", brand_id, {"conversation_id": conversation_id, "message_id": message_id})
    )


# -- enabling, ordering, removing ------------------------------------------------------------------------


def set_rule_enabled(db: Database, brand_id: int, rule_id: int, enabled: bool, *, actor: str = "cli") -> None:
    from comptoir.actions import ordered_rules

    ordered_rules.set_enabled(db, t.ack_rules, "ack_rule", brand_id, rule_id, enabled, actor=actor)


def move_rule(db: Database, brand_id: int, rule_id: int, direction: str, *, actor: str = "cli") -> None:
    """``up``: evaluated earlier; ``down``: later."""
    from comptoir.actions import ordered_rules

    ordered_rules.move(db, t.ack_rules, "ack_rule", brand_id, rule_id, direction, actor=actor)


def delete_rule(db: Database, brand_id: int, rule_id: int, *, actor: str = "cli") -> None:
    from comptoir.actions import ordered_rules

    ordered_rules.remove(db, t.ack_rules, "ack_rule", brand_id, rule_id, actor=actor)
