"""Routing rules: per brand, ordered by position, the first enabled rule whose conditions all hold wins.

A rule's ``conditions`` is a JSON object; every key present must hold (an absent key matches anything):

- ``account_ids``: list of account ids;
- ``account_kinds``: account family, a list of ``corporate`` | ``care`` | ``regional`` (``accounts.kind``);
- ``regions``: list of region labels (``accounts.region``, compared case-insensitively);
- ``channels``: list of platforms (``accounts.platform``: api, x, facebook, instagram, email, webchat);
- ``visibility``: ``public`` or ``private``;
- ``intents``: list of triage intents (complaint, request, praise, feedback, spam, other);
- ``languages``: list of language codes (``fr``, ``en``...);
- ``priority_min`` / ``priority_max``: inclusive bounds on the triage priority (0-100).

Its ``target`` is ``{"team_id": N, "assign": "none" | "round_robin" | "load" | "skill"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from comptoir import clock
from comptoir.actions import audit
from comptoir.actions.admin import require_brand
from comptoir.domain.enums import AccountKind, Platform, Visibility
from comptoir.errors import NotFound, ValidationFailed
from comptoir.store import tables as t
from comptoir.store.db import Database

INTENTS = ("complaint", "request", "praise", "feedback", "spam", "other")
STRATEGIES = ("none", "round_robin", "load", "skill")
LIST_CONDITIONS: dict[str, tuple[str, ...] | None] = {
    "account_ids": None,
    "account_kinds": tuple(k.value for k in AccountKind),
    "regions": None,
    "channels": tuple(p.value for p in Platform),
    "intents": INTENTS,
    "languages": None,
}
CONDITION_KEYS = (*LIST_CONDITIONS, "visibility", "priority_min", "priority_max")


@dataclass(frozen=True, slots=True)
class RoutingFacts:
    """What a rule can look at for one message of a conversation."""

    account_id: int
    account_kind: str
    region: str | None
    channel: str
    visibility: str
    intent: str | None
    language: str | None
    priority: int | None


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    brand_id: int
    position: int
    name: str
    conditions: dict[str, Any]
    team_id: int
    assign: str
    enabled: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "brand_id": self.brand_id,
            "position": self.position,
            "name": self.name,
            "conditions": self.conditions,
            "target": {"team_id": self.team_id, "assign": self.assign},
            "enabled": self.enabled,
        }


def _fail(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, details={"field": field})


def validate_conditions(conditions: Any) -> dict[str, Any]:
    """Check and normalise a rule's conditions; raises ValidationFailed naming the bad field."""
    if not isinstance(conditions, dict):
        raise _fail("conditions must be a JSON object", "conditions")
    unknown = sorted(set(conditions) - set(CONDITION_KEYS))
    if unknown:
        raise ValidationFailed(
            f"unknown condition {unknown[0]!r}",
            details={"field": unknown[0], "allowed": list(CONDITION_KEYS)},
        )
    clean: dict[str, Any] = {}
    for key, allowed in LIST_CONDITIONS.items():
        if key not in conditions:
            continue
        values = conditions[key]
        if not isinstance(values, list) or not values:
            raise _fail(f"{key} must be a non-empty list", key)
        if key == "account_ids":
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                raise _fail("account_ids must be a list of integers", key)
            clean[key] = sorted(set(values))
            continue
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise _fail(f"{key} must be a list of non-empty strings", key)
        normalised = sorted({v.strip().lower() for v in values})
        if allowed is not None:
            bad = [v for v in normalised if v not in allowed]
            if bad:
                raise ValidationFailed(
                    f"{key}: unknown value {bad[0]!r}", details={"field": key, "allowed": list(allowed)}
                )
        clean[key] = normalised
    if "visibility" in conditions:
        visibility = conditions["visibility"]
        if visibility not in tuple(v.value for v in Visibility):
            raise _fail("visibility must be 'public' or 'private'", "visibility")
        clean["visibility"] = visibility
    for key in ("priority_min", "priority_max"):
        if key in conditions:
            value = conditions[key]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                raise _fail(f"{key} must be an integer from 0 to 100", key)
            clean[key] = value
    if clean.get("priority_min", 0) > clean.get("priority_max", 100):
        raise _fail("priority_min is above priority_max", "priority_min")
    return clean


def validate_target(conn: Connection, brand_id: int, target: Any) -> dict[str, Any]:
    if not isinstance(target, dict):
        raise _fail("target must be a JSON object", "target")
    unknown = sorted(set(target) - {"team_id", "assign"})
    if unknown:
        raise _fail(f"unknown target key {unknown[0]!r} (allowed: team_id, assign)", unknown[0])
    team_id = target.get("team_id")
    if not isinstance(team_id, int) or isinstance(team_id, bool):
        raise _fail("target.team_id must be a team id (integer)", "team_id")
    assign = target.get("assign", "none")
    if assign not in STRATEGIES:
        raise ValidationFailed(
            f"target.assign: unknown strategy {assign!r}",
            details={"field": "assign", "allowed": list(STRATEGIES)},
        )
    team = conn.execute(
        select(t.teams.c.id).where(t.teams.c.id == team_id, t.teams.c.brand_id == brand_id)
    ).first()
    if team is None:
        raise NotFound(f"team {team_id} not found in brand {brand_id}")
    return {"team_id": team_id, "assign": assign}


def _checked_name(name: Any) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise _fail("a routing rule needs a name", "name")
    if len(name) > 200:
        raise _fail("name is longer than 200 characters", "name")
    return name


def create_rule(
    db: Database,
    brand_id: int,
    name: str,
    conditions: Any,
    target: Any,
    position: int | None = None,
    *,
    actor: str = "cli",
) -> dict[str, Any]:
    """Add a rule; ``position`` None appends it, otherwise later rules move down one place."""
    name = _checked_name(name)
    if position is not None and position < 1:
        raise _fail("position starts at 1", "position")
    clean_conditions = validate_conditions(conditions)
    r = t.routing_rules
    with db.transaction() as tx:
        require_brand(tx, brand_id)
        clean_target = validate_target(tx.conn, brand_id, target)
        last = tx.conn.execute(select(func.max(r.c.position)).where(r.c.brand_id == brand_id)).scalar()
        end = int(last or 0) + 1
        if position is None or position >= end:
            position = end
        else:
            tx.conn.execute(
                update(r)
                .where(r.c.brand_id == brand_id, r.c.position >= position)
                .values(position=r.c.position + 1)
            )
        rule_id = int(
            tx.conn.execute(
                insert(r).values(
                    brand_id=brand_id,
                    position=position,
                    name=name,
                    conditions=clean_conditions,
                    target=clean_target,
                    enabled=True,
                    updated_at=clock.now(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action="routing_rule.created",
            data={"rule_id": rule_id, "name": name},
        )
    return Rule(
        rule_id,
        brand_id,
        position,
        name,
        clean_conditions,
        clean_target["team_id"],
        clean_target["assign"],
        True,
    ).to_dict()


def _rule(row: Any) -> Rule:
    target = row.target or {}
    return Rule(
        id=row.id,
        brand_id=row.brand_id,
        position=row.position,
        name=row.name,
        conditions=dict(row.conditions or {}),
        team_id=int(target.get("team_id") or 0),
        assign=str(target.get("assign", "none")),
        enabled=bool(row.enabled),
    )


def list_rules(conn: Connection, brand_id: int, *, enabled_only: bool = False) -> list[Rule]:
    r = t.routing_rules
    query = select(r).where(r.c.brand_id == brand_id)
    if enabled_only:
        query = query.where(r.c.enabled.is_(True))
    return [_rule(row) for row in conn.execute(query.order_by(r.c.position, r.c.id))]


def matches(conditions: dict[str, Any], facts: RoutingFacts) -> bool:
    """Whether every condition present holds for ``facts``."""
    if "account_ids" in conditions and facts.account_id not in conditions["account_ids"]:
        return False
    if "account_kinds" in conditions and facts.account_kind not in conditions["account_kinds"]:
        return False
    if "regions" in conditions and (facts.region or "").strip().lower() not in conditions["regions"]:
        return False
    if "channels" in conditions and facts.channel not in conditions["channels"]:
        return False
    if "visibility" in conditions and facts.visibility != conditions["visibility"]:
        return False
    if "intents" in conditions and facts.intent not in conditions["intents"]:
        return False
    if "languages" in conditions and (facts.language or "").lower() not in conditions["languages"]:
        return False
    if "priority_min" in conditions and (
        facts.priority is None or facts.priority < conditions["priority_min"]
    ):
        return False
    return not (
        "priority_max" in conditions
        and (facts.priority is None or facts.priority > conditions["priority_max"])
    )


def first_match(rules: Sequence[Rule], facts: RoutingFacts) -> Rule | None:
    """The first enabled rule, in position order, whose conditions hold."""
    for rule in rules:
        if rule.enabled and matches(rule.conditions, facts):
            return rule
    return None


def route(conn: Connection, brand_id: int, facts: RoutingFacts) -> Rule | None:
    return first_match(list_rules(conn, brand_id, enabled_only=True), facts)


# -- editing, enabling, ordering, removing ---------------------------------------------------------------


def update_rule(
    db: Database, brand_id: int, rule_id: int, name: str, conditions: Any, target: Any, *, actor: str = "cli"
) -> dict[str, Any]:
    """Replace a rule's name, conditions and target, validated like :func:`create_rule` (its place and whether
    it is enabled do not change). Audited ``routing_rule.changed``."""
    from comptoir.actions import ordered_rules

    name = _checked_name(name)
    clean_conditions = validate_conditions(conditions)
    r = t.routing_rules
    with db.transaction() as tx:
        clean_target = validate_target(tx.conn, brand_id, target)
        ordered_rules.replace(
            tx,
            r,
            "routing_rule",
            brand_id,
            rule_id,
            {"name": name, "conditions": clean_conditions, "target": clean_target},
            actor=actor,
        )
        row = tx.conn.execute(select(r).where(r.c.id == rule_id)).one()
    return _rule(row).to_dict()


def set_rule_enabled(db: Database, brand_id: int, rule_id: int, enabled: bool, *, actor: str = "cli") -> None:
    from comptoir.actions import ordered_rules

    ordered_rules.set_enabled(db, t.routing_rules, "routing_rule", brand_id, rule_id, enabled, actor=actor)


def move_rule(db: Database, brand_id: int, rule_id: int, direction: str, *, actor: str = "cli") -> None:
    """``up``: evaluated earlier; ``down``: later."""
    from comptoir.actions import ordered_rules

    ordered_rules.move(db, t.routing_rules, "routing_rule", brand_id, rule_id, direction, actor=actor)


def delete_rule(db: Database, brand_id: int, rule_id: int, *, actor: str = "cli") -> None:
    from comptoir.actions import ordered_rules

    ordered_rules.remove(db, t.routing_rules, "routing_rule", brand_id, rule_id, actor=actor)
