"""SLA in storage: brand calendars and policies, per-conversation deadlines and the timers that fire them.

:func:`recompute` is called whenever a conversation changes (a message processed, a reply queued, a status
change). It matches the brand's policies in order, replays the conversation's events through
``comptoir.sla.clocks.evaluate_clocks``, stores the due instants on the conversation (indexed:
``next_sla_deadline_at`` orders the inbox) and upserts one row per pending at-risk/breach instant in
``sla_timers``, which the timer service (``jobs/timers.py``) fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from comptoir import clock
from comptoir.actions import audit
from comptoir.domain.enums import AccountKind, ConversationStatus, Direction, Platform, Visibility
from comptoir.errors import AccountNotFound, NotFound, ValidationFailed
from comptoir.events import Event, publish_on_commit
from comptoir.sla.calendar import BusinessCalendar
from comptoir.sla.clocks import ConversationEvent, SlaEvaluation, evaluate_clocks, message_event, status_event
from comptoir.sla.contract import parse_calendar
from comptoir.sla.policies import (
    PolicyConditions,
    PolicyContext,
    SlaPolicy,
    match_policy,
    policy_from_minutes,
)
from comptoir.store import tables as t
from comptoir.store.db import Database, Tx

ACTION_TYPES = {"raise_priority", "notify", "reassign"}
STATUS_ACTIONS = {"conversation.changed", "conversation.reopened", "conversation.status"}


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    id: int
    policy: SlaPolicy
    actions: dict[str, list[dict[str, Any]]]


# -- administration ----------------------------------------------------------------------------------


def _calendar_condition(brand_id: int, account_id: int | None) -> Any:
    c = t.calendars
    return (c.c.brand_id == brand_id) & (
        c.c.account_id.is_(None) if account_id is None else c.c.account_id == account_id
    )


def _require_account(tx: Tx, brand_id: int, account_id: int) -> None:
    a = t.accounts
    if tx.conn.execute(select(a.c.id).where(a.c.id == account_id, a.c.brand_id == brand_id)).first() is None:
        raise AccountNotFound(f"account {account_id} not found in brand {brand_id}")


def _recompute_live(tx: Tx, brand_id: int) -> None:
    """Queue the brand's re-evaluation when it has live conversations (a new brand's calendar queues nothing)."""
    c = t.conversations
    live = tx.conn.execute(
        select(c.c.id).where(c.c.brand_id == brand_id, c.c.status.in_(RECOMPUTED_STATUSES)).limit(1)
    ).first()
    if live is not None:
        queue_recompute(tx, brand_id)


def set_calendar(
    db: Database, brand_id: int, spec: dict[str, Any], account_id: int | None = None, *, actor: str = "cli"
) -> None:
    """Set the brand's calendar (or the own calendar of one of its accounts, which then replaces the brand's
    for that account's conversations). ``spec`` is the contract's calendar object. The brand's live clocks
    are re-evaluated by a queued job (when it has live conversations)."""
    parse_calendar(spec)  # validate now, with a clear error
    c = t.calendars
    with db.transaction() as tx:
        if account_id is not None:
            _require_account(tx, brand_id, account_id)
        tx.conn.execute(delete(c).where(_calendar_condition(brand_id, account_id)))
        tx.conn.execute(
            insert(c).values(brand_id=brand_id, account_id=account_id, spec=spec, updated_at=clock.now())
        )
        audit.record(
            tx, brand_id=brand_id, actor=actor, action="sla.calendar.set", data={"account_id": account_id}
        )
        _recompute_live(tx, brand_id)


def clear_account_calendar(db: Database, brand_id: int, account_id: int, *, actor: str = "cli") -> bool:
    """Remove an account's own calendar: its conversations follow the brand's calendar again (re-evaluated by a
    queued job). Returns whether there was one; audited ``sla.calendar.cleared``."""
    with db.transaction() as tx:
        _require_account(tx, brand_id, account_id)
        removed = tx.conn.execute(delete(t.calendars).where(_calendar_condition(brand_id, account_id))).rowcount
        if not removed:
            return False
        audit.record(
            tx, brand_id=brand_id, actor=actor, action="sla.calendar.cleared", data={"account_id": account_id}
        )
        _recompute_live(tx, brand_id)
    return True


def _conditions(data: dict[str, Any]) -> PolicyConditions:
    try:
        return PolicyConditions(
            account_ids=frozenset(int(v) for v in data.get("account_ids", [])),
            account_families=frozenset(str(v) for v in data.get("account_families", [])),
            channels=frozenset(Platform(v) for v in data.get("channels", [])),
            visibilities=frozenset(Visibility(v) for v in data.get("visibilities", [])),
            priority_min=data.get("priority_min"),
            priority_max=data.get("priority_max"),
            intents=frozenset(str(v).lower() for v in data.get("intents", [])),
            languages=frozenset(str(v).lower() for v in data.get("languages", [])),
        )
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"invalid policy conditions: {exc}") from exc


def _check_actions(actions: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    checked: dict[str, list[dict[str, Any]]] = {}
    for event, items in actions.items():
        if event not in ("at_risk", "breach") or not isinstance(items, list):
            raise ValidationFailed('actions: expected {"at_risk": [...], "breach": [...]}')
        for item in items:
            if not isinstance(item, dict) or item.get("type") not in ACTION_TYPES:
                raise ValidationFailed(f"actions: each action needs a type among {sorted(ACTION_TYPES)}")
        checked[event] = items
    return checked


def create_policy(
    db: Database,
    brand_id: int,
    *,
    name: str,
    targets: dict[str, Any],
    conditions: dict[str, Any] | None = None,
    actions: dict[str, Any] | None = None,
    position: int | None = None,
    actor: str = "cli",
) -> int:
    """Add a policy; ``targets`` in minutes: first_response_minutes, next_response_minutes,
    resolution_minutes, business_hours (default true), at_risk_share (default 0.75)."""
    _build_policy(name, targets, conditions or {}, None)
    checked_actions = _check_actions(actions or {})
    p = t.sla_policies
    with db.transaction() as tx:
        if position is None:
            last = tx.conn.execute(
                select(p.c.position).where(p.c.brand_id == brand_id).order_by(p.c.position.desc())
            ).first()
            position = (last.position + 1) if last else 0
        policy_id = int(
            tx.conn.execute(
                insert(p).values(
                    brand_id=brand_id,
                    position=position,
                    name=name,
                    conditions=conditions or {},
                    targets=targets,
                    actions=checked_actions,
                    updated_at=clock.now(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        audit.record(
            tx, brand_id=brand_id, actor=actor, action="sla.policy.created", data={"policy_id": policy_id}
        )
    return policy_id


def _build_policy(
    name: str, targets: dict[str, Any], conditions: dict[str, Any], calendar: BusinessCalendar | None
) -> SlaPolicy:
    try:
        return policy_from_minutes(
            name,
            first_response_minutes=targets.get("first_response_minutes"),
            next_response_minutes=targets.get("next_response_minutes"),
            resolution_minutes=targets.get("resolution_minutes"),
            business_hours=bool(targets.get("business_hours", True)),
            at_risk_share=float(targets.get("at_risk_share", 0.75)),
            calendar=calendar,
            conditions=_conditions(conditions),
        )
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"invalid policy targets: {exc}") from exc


# -- reading policies and calendars -------------------------------------------------------------------


def calendar_for(conn: Connection, brand_id: int, account_id: int) -> BusinessCalendar | None:
    """The account's own calendar, else the brand's; None when neither is set (calendar time is used)."""
    c = t.calendars
    rows = conn.execute(
        select(c.c.account_id, c.c.spec).where(
            c.c.brand_id == brand_id, (c.c.account_id == account_id) | c.c.account_id.is_(None)
        )
    ).all()
    by_account = {r.account_id: r.spec for r in rows}
    spec = by_account.get(account_id) or by_account.get(None)
    return parse_calendar(spec) if spec else None


def policies_for(conn: Connection, brand_id: int, calendar: BusinessCalendar | None) -> list[StoredPolicy]:
    p = t.sla_policies
    rows = conn.execute(select(p).where(p.c.brand_id == brand_id).order_by(p.c.position, p.c.id)).all()
    return [
        StoredPolicy(r.id, _build_policy(r.name, r.targets, r.conditions, calendar), dict(r.actions or {}))
        for r in rows
    ]


# -- per-conversation clocks ---------------------------------------------------------------------------


def conversation_events(conn: Connection, conversation_id: int) -> list[ConversationEvent]:
    """The clock events of a conversation: its messages and its status changes."""
    m, a = t.messages, t.audit_events
    events: list[ConversationEvent] = []
    for row in conn.execute(
        select(m.c.direction, m.c.sent_at, m.c.received_at).where(m.c.conversation_id == conversation_id)
    ):
        at = min(row.sent_at, row.received_at) if row.direction == Direction.INBOUND.value else row.sent_at
        events.append(message_event(Direction(row.direction), at))
    for change in conn.execute(
        select(a.c.at, a.c.data).where(a.c.conversation_id == conversation_id, a.c.action.in_(STATUS_ACTIONS))
    ):
        target = (change.data or {}).get("status") or (change.data or {}).get("to")
        if target in {s.value for s in ConversationStatus}:
            events.append(status_event(ConversationStatus(target), change.at))
    return events


@dataclass(frozen=True, slots=True)
class Assessment:
    """The policy that applies to a conversation (None: no policy matches) and its clocks now."""

    policy: StoredPolicy | None
    evaluation: SlaEvaluation | None


def assess(conn: Connection, conversation_id: int, extra: tuple[ConversationEvent, ...] = ()) -> Assessment:
    """Match the brand's policies and evaluate the conversation's clocks (read-only)."""
    c, a = t.conversations, t.accounts
    conv = conn.execute(
        select(c, a.c.platform, a.c.kind).join(a, a.c.id == c.c.account_id).where(c.c.id == conversation_id)
    ).first()
    if conv is None:
        raise NotFound(f"conversation {conversation_id} not found")
    if conv.merged_into is not None:
        return Assessment(None, None)
    calendar = calendar_for(conn, conv.brand_id, conv.account_id)
    stored = policies_for(conn, conv.brand_id, calendar)
    context = PolicyContext(
        account_id=conv.account_id,
        account_family=AccountKind(conv.kind).value,
        channel=Platform(conv.platform),
        visibility=Visibility(conv.visibility),
        priority=conv.priority,
        intent=conv.intent,
        language=conv.language,
    )
    chosen = match_policy([s.policy for s in stored], context)
    if chosen is None:
        return Assessment(None, None)
    policy = next(s for s in stored if s.policy is chosen)
    events = [*conversation_events(conn, conversation_id), *extra]
    return Assessment(policy, evaluate_clocks(events, chosen.targets, chosen.measure(), clock.now()))


def recompute(
    tx: Tx, conversation_id: int, extra: tuple[ConversationEvent, ...] = ()
) -> SlaEvaluation | None:
    """Re-evaluate a conversation's clocks and store its deadlines and timers (in the caller's transaction)."""
    c, timers = t.conversations, t.sla_timers
    assessment = assess(tx.conn, conversation_id, extra)
    evaluation = assessment.evaluation
    if assessment.policy is None or evaluation is None:
        tx.conn.execute(
            update(c)
            .where(c.c.id == conversation_id)
            .values(
                sla_policy_id=None,
                first_response_due_at=None,
                next_response_due_at=None,
                resolution_due_at=None,
                next_sla_deadline_at=None,
            )
        )
        tx.conn.execute(
            delete(timers).where(timers.c.conversation_id == conversation_id, timers.c.fired_at.is_(None))
        )
        return None

    def running_due(result: Any) -> datetime | None:
        return result.due_at if result.state.value == "running" else None

    dues = [running_due(r) for r in evaluation.clocks]
    upcoming = [d for d in dues if d is not None]
    tx.conn.execute(
        update(c)
        .where(c.c.id == conversation_id)
        .values(
            sla_policy_id=assessment.policy.id,
            first_response_due_at=dues[0],
            next_response_due_at=dues[1],
            resolution_due_at=dues[2],
            next_sla_deadline_at=min(upcoming) if upcoming else None,
        )
    )
    _store_timers(tx, conversation_id, evaluation)
    return evaluation


def _store_timers(tx: Tx, conversation_id: int, evaluation: SlaEvaluation) -> None:
    timers = t.sla_timers
    existing = {
        (r.clock, r.event): r
        for r in tx.conn.execute(select(timers).where(timers.c.conversation_id == conversation_id))
    }
    wanted = {(timer.clock.value, timer.kind.value): timer for timer in evaluation.timers()}
    changed = False
    for key, row in existing.items():
        if key not in wanted and row.fired_at is None:
            tx.conn.execute(delete(timers).where(timers.c.id == row.id))
    for key, timer in wanted.items():
        current = existing.get(key)
        if current is None:
            tx.conn.execute(
                insert(timers).values(
                    conversation_id=conversation_id,
                    clock=key[0],
                    event=key[1],
                    cycle_started_at=timer.cycle_started_at,
                    fire_at=timer.fire_at,
                )
            )
            changed = True
        elif row.cycle_started_at != timer.cycle_started_at or (
            row.fired_at is None and row.fire_at != timer.fire_at
        ):
            # A new cycle (or a moved instant before firing): the timer fires again for it.
            tx.conn.execute(
                update(timers)
                .where(timers.c.id == current.id)
                .values(cycle_started_at=timer.cycle_started_at, fire_at=timer.fire_at, fired_at=None)
            )
            changed = True
    if changed:
        publish_on_commit(tx, Event("sla.timers_changed", None, {"conversation_id": conversation_id}))


def clocks_view(evaluation: SlaEvaluation | None) -> dict[str, Any] | None:
    """The clocks as JSON for the API."""
    if evaluation is None:
        return None

    def iso(value: datetime | None) -> str | None:
        return clock.isoformat_z(value) if value else None

    return {
        result.name.value: {
            "state": result.state.value,
            "due_at": iso(result.due_at),
            "at_risk_at": iso(result.at_risk_at),
            "met_at": iso(result.met_at),
            "breached": result.breached,
            "counted_seconds": result.counted_seconds,
            "target_seconds": result.target_seconds,
        }
        for result in evaluation.clocks
    }


# -- changing and removing policies ---------------------------------------------------------------------

RECOMPUTE_JOB = "sla.recompute_brand"
RECOMPUTE_BATCH = 200
RECOMPUTED_STATUSES = (ConversationStatus.OPEN.value, ConversationStatus.PENDING.value, ConversationStatus.SNOOZED.value)


def _policy_row(tx: Tx, brand_id: int, policy_id: int) -> Any:
    p = t.sla_policies
    row = tx.conn.execute(select(p).where(p.c.id == policy_id, p.c.brand_id == brand_id)).first()
    if row is None:
        raise NotFound(f"SLA policy {policy_id} not found in this brand")
    return row


def queue_recompute(tx: Tx, brand_id: int) -> None:
    """Queue the re-evaluation of the brand's live conversations, in the caller's transaction."""
    from comptoir.jobs.queue import enqueue

    enqueue(tx, RECOMPUTE_JOB, {"brand_id": brand_id}, lock=f"sla-recompute:{brand_id}")


def update_policy(
    db: Database,
    brand_id: int,
    policy_id: int,
    *,
    name: str,
    targets: dict[str, Any],
    conditions: dict[str, Any] | None = None,
    actions: dict[str, Any] | None = None,
    actor: str = "cli",
) -> None:
    """Replace a policy's name, targets, conditions and actions (validated like :func:`create_policy`)."""
    _build_policy(name, targets, conditions or {}, None)
    checked_actions = _check_actions(actions or {})
    p = t.sla_policies
    with db.transaction() as tx:
        before = _policy_row(tx, brand_id, policy_id)
        tx.conn.execute(
            update(p)
            .where(p.c.id == policy_id)
            .values(
                name=name, targets=targets, conditions=conditions or {}, actions=checked_actions,
                updated_at=clock.now(),
            )
        )
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action="sla.policy.changed",
            data={
                "policy_id": policy_id,
                "before": {"name": before.name, "targets": before.targets, "conditions": before.conditions,
                           "actions": before.actions},
                "after": {"name": name, "targets": targets, "conditions": conditions or {},
                          "actions": checked_actions},
            },
        )
        queue_recompute(tx, brand_id)


def move_policy(db: Database, brand_id: int, policy_id: int, direction: str, *, actor: str = "cli") -> None:
    """Swap the policy with its neighbour (``up``: earlier, matched first; ``down``: later)."""
    if direction not in ("up", "down"):
        raise ValidationFailed("direction: up or down")
    p = t.sla_policies
    with db.transaction() as tx:
        _policy_row(tx, brand_id, policy_id)
        ordered = [
            int(r.id)
            for r in tx.conn.execute(
                select(p.c.id).where(p.c.brand_id == brand_id).order_by(p.c.position, p.c.id)
            )
        ]
        index = ordered.index(policy_id)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(ordered):
            return  # already first (or last): nothing to change
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, pid in enumerate(ordered):  # renumber: positions stay distinct and dense
            tx.conn.execute(update(p).where(p.c.id == pid).values(position=position, updated_at=clock.now()))
        audit.record(
            tx, brand_id=brand_id, actor=actor, action="sla.policy.moved",
            data={"policy_id": policy_id, "direction": direction, "order": ordered},
        )
        queue_recompute(tx, brand_id)


def delete_policy(db: Database, brand_id: int, policy_id: int, *, actor: str = "cli") -> None:
    p = t.sla_policies
    with db.transaction() as tx:
        row = _policy_row(tx, brand_id, policy_id)
        tx.conn.execute(delete(p).where(p.c.id == policy_id))
        audit.record(
            tx, brand_id=brand_id, actor=actor, action="sla.policy.deleted",
            data={"policy_id": policy_id, "name": row.name, "targets": row.targets, "conditions": row.conditions},
        )
        queue_recompute(tx, brand_id)


def recompute_brand(db: Database, brand_id: int, *, batch: int = RECOMPUTE_BATCH) -> int:
    """Re-evaluate the clocks of the brand's open, pending and snoozed conversations, ``batch`` per
    transaction (by increasing id, so a long brand never holds one long transaction). Returns the count."""
    c = t.conversations
    done, after = 0, 0
    while True:
        with db.transaction() as tx:
            ids = [
                int(r.id)
                for r in tx.conn.execute(
                    select(c.c.id)
                    .where(c.c.brand_id == brand_id, c.c.status.in_(RECOMPUTED_STATUSES), c.c.id > after)
                    .order_by(c.c.id)
                    .limit(batch)
                )
            ]
            for conversation_id in ids:
                recompute(tx, conversation_id)
        if not ids:
            return done
        done += len(ids)
        after = ids[-1]
