"""Assigning conversations to agents: manual, round-robin, by load, by skill; agents' availability.

An agent is *eligible* for a team when it is a member of the team, its availability is ``online`` and its
count of open assigned conversations (status other than resolved) is below its ``capacity``.

- ``round_robin``: the eligible agent assigned least recently (``last_assigned_at``, never first);
- ``load``: the eligible agent with the fewest open assigned conversations (ties: least recently assigned);
- ``skill``: eligible agents whose ``skills.languages`` contains the conversation's language, then by load;
  when nobody has the language, by load among all eligible agents (said in the reason);
- ``none``: manual assignment only.

When capacity frees up (a conversation resolved, an assignee removed, an agent coming online), an
``assign_waiting`` job (lock ``assign:<team>``) gives the oldest waiting unassigned open conversations of
the team to eligible agents, with the team's strategy (the first enabled routing rule targeting the team
with an automatic strategy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from comptoir import clock
from comptoir.actions import audit
from comptoir.actions.routing import STRATEGIES, list_rules
from comptoir.domain.enums import ConversationStatus
from comptoir.errors import NotFound, ValidationFailed
from comptoir.events import Event, publish_on_commit
from comptoir.jobs.queue import enqueue
from comptoir.store import tables as t
from comptoir.store.db import Database, Tx

AVAILABILITIES = ("online", "away", "offline")
AUTOMATIC = ("round_robin", "load", "skill")


@dataclass(frozen=True, slots=True)
class Candidate:
    agent_id: int
    name: str
    open_count: int
    capacity: int
    last_assigned_at: Any
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Choice:
    agent_id: int
    strategy: str
    why: str


def open_count_query() -> Any:
    c = t.conversations
    return (
        select(func.count())
        .select_from(c)
        .where(
            c.c.assignee_id == t.agents.c.id,
            c.c.status != ConversationStatus.RESOLVED.value,
            c.c.merged_into.is_(None),
        )
        .scalar_subquery()
    )


def eligible_agents(conn: Connection, team_id: int) -> list[Candidate]:
    """Online members of the team under capacity, with their open assigned count."""
    a, m = t.agents, t.team_members
    if conn.dialect.name == "postgresql":
        # Serialise assignment per agent: counts read after these locks include every committed assignment,
        # so two workers cannot both give an agent its last free place. Ascending ids: no lock cycles.
        conn.execute(
            select(a.c.id)
            .join(m, m.c.agent_id == a.c.id)
            .where(m.c.team_id == team_id, a.c.availability == "online")
            .order_by(a.c.id)
            .with_for_update(of=a)
        )
    count = open_count_query().label("open_count")
    query = (
        select(a.c.id, a.c.name, a.c.capacity, a.c.last_assigned_at, a.c.skills, count)
        .join(m, m.c.agent_id == a.c.id)
        .where(m.c.team_id == team_id, a.c.availability == "online")
        .order_by(a.c.id)
    )
    result = []
    for row in conn.execute(query):
        if int(row.open_count) >= int(row.capacity):
            continue
        skills = row.skills if isinstance(row.skills, dict) else {}
        languages = tuple(str(x).lower() for x in skills.get("languages", []) if isinstance(x, str))
        result.append(
            Candidate(
                row.id, row.name, int(row.open_count), int(row.capacity), row.last_assigned_at, languages
            )
        )
    return result


def _recency(candidate: Candidate) -> tuple[int, Any, int]:
    # Never assigned first, then least recently assigned; the id breaks ties.
    at = candidate.last_assigned_at
    return (0 if at is None else 1, at.timestamp() if at is not None else 0.0, candidate.agent_id)


def choose(candidates: list[Candidate], strategy: str, language: str | None) -> Choice | None:
    """Pick an agent among eligible ``candidates`` with ``strategy``; None when nobody is eligible."""
    if strategy not in AUTOMATIC or not candidates:
        return None
    if strategy == "round_robin":
        best = min(candidates, key=_recency)
        when = "never assigned" if best.last_assigned_at is None else "least recently assigned"
        return Choice(
            best.agent_id,
            strategy,
            f"round-robin: {best.name} ({when}, {best.open_count}/{best.capacity} open)",
        )
    pool = candidates
    prefix = "by load"
    if strategy == "skill":
        lang = (language or "").lower()
        skilled = [c for c in candidates if lang and lang in c.languages]
        if skilled:
            pool = skilled
            prefix = f"by skill: speaks {lang!r}, then by load"
        else:
            prefix = f"by skill: nobody eligible speaks {lang or 'the (unknown) language'!r}, so by load"
    best = min(pool, key=lambda c: (c.open_count, *_recency(c)))
    return Choice(
        best.agent_id, strategy, f"{prefix}: {best.name} has {best.open_count}/{best.capacity} open"
    )


def assign_conversation(
    tx: Tx, conversation_id: int, team_id: int, strategy: str, *, actor: str = "system", reason: str = ""
) -> Choice | None:
    """Assign an unassigned conversation of ``team_id`` with ``strategy``; never reassigns. Audited, published."""
    c = t.conversations
    conv = tx.conn.execute(
        select(c.c.id, c.c.brand_id, c.c.assignee_id, c.c.language).where(c.c.id == conversation_id)
    ).first()
    if conv is None or conv.assignee_id is not None:
        return None
    choice = choose(eligible_agents(tx.conn, team_id), strategy, conv.language)
    if choice is None:
        return None
    now = clock.now()
    done = tx.conn.execute(
        update(c)
        .where(c.c.id == conversation_id, c.c.assignee_id.is_(None))
        .values(assignee_id=choice.agent_id)
    )
    if done.rowcount != 1:
        return None
    tx.conn.execute(update(t.agents).where(t.agents.c.id == choice.agent_id).values(last_assigned_at=now))
    data: dict[str, Any] = {
        "assignee_id": choice.agent_id,
        "team_id": team_id,
        "strategy": strategy,
        "why": choice.why,
    }
    if reason:
        data["trigger"] = reason
    audit.record(
        tx,
        brand_id=conv.brand_id,
        actor=actor,
        action="conversation.assigned",
        conversation_id=conversation_id,
        data=data,
    )
    publish_on_commit(tx, Event("conversation.changed", conv.brand_id, {"conversation_id": conversation_id}))
    return choice


def team_strategy(conn: Connection, team_id: int) -> tuple[str, str] | None:
    """The automatic strategy of a team: that of the first enabled rule targeting it with one (and its name)."""
    brand = conn.execute(select(t.teams.c.brand_id).where(t.teams.c.id == team_id)).first()
    if brand is None:
        return None
    for rule in list_rules(conn, brand.brand_id, enabled_only=True):
        if rule.team_id == team_id and rule.assign in AUTOMATIC:
            return rule.assign, rule.name
    return None


def assign_waiting(db: Database, team_id: int, *, limit: int = 500) -> list[tuple[int, int]]:
    """Give the team's oldest waiting unassigned open conversations to eligible agents; returns (conv, agent)."""
    c = t.conversations
    done: list[tuple[int, int]] = []
    with db.transaction() as tx:
        found = team_strategy(tx.conn, team_id)
        if found is None:
            return done
        strategy, rule_name = found
        waiting = tx.conn.execute(
            select(c.c.id)
            .where(
                c.c.team_id == team_id,
                c.c.assignee_id.is_(None),
                c.c.status == ConversationStatus.OPEN.value,
                c.c.waiting_since.is_not(None),
                c.c.merged_into.is_(None),
                c.c.noise.is_(False),
            )
            .order_by(c.c.waiting_since, c.c.id)
            .limit(limit)
            # Conversations a pipeline transaction is holding are left for its own assign step (no deadlock).
            .with_for_update(skip_locked=True)
        ).all()
        for row in waiting:
            choice = assign_conversation(
                tx, row.id, team_id, strategy, reason=f"capacity freed; team strategy from rule {rule_name!r}"
            )
            if choice is None:
                break
            done.append((row.id, choice.agent_id))
    return done


def request_assign_waiting(tx: Tx, team_ids: set[int] | list[int]) -> None:
    """Queue an ``assign_waiting`` job per team, in the caller's transaction."""
    for team_id in sorted(set(team_ids)):
        enqueue(tx, "assign_waiting", {"team_id": team_id}, lock=f"assign:{team_id}")


def teams_of(conn: Connection, agent_id: int) -> set[int]:
    m = t.team_members
    return {int(r.team_id) for r in conn.execute(select(m.c.team_id).where(m.c.agent_id == agent_id))}


def capacity_freed(tx: Tx, agent_id: int | None, team_id: int | None) -> None:
    """An agent's load went down (or a conversation became unassigned): look for waiting conversations."""
    teams = teams_of(tx.conn, agent_id) if agent_id is not None else set()
    if team_id is not None:
        teams.add(team_id)
    request_assign_waiting(tx, teams)


def set_availability(
    db: Database, agent_id: int, availability: str, *, brand_id: int | None = None, actor: str = "cli"
) -> dict[str, Any]:
    """Set an agent online, away or offline; coming online queues ``assign_waiting`` for its teams.

    With ``brand_id``, the agent must belong to that brand (else NotFound, like a missing agent).
    """
    if availability not in AVAILABILITIES:
        raise ValidationFailed(
            f"unknown availability {availability!r}",
            details={"field": "availability", "allowed": list(AVAILABILITIES)},
        )
    a, ab = t.agents, t.agent_brands
    with db.transaction() as tx:
        row = tx.conn.execute(select(a.c.id, a.c.availability).where(a.c.id == agent_id)).first()
        brands = [
            int(r.brand_id) for r in tx.conn.execute(select(ab.c.brand_id).where(ab.c.agent_id == agent_id))
        ]
        if row is None or (brand_id is not None and brand_id not in brands):
            raise NotFound(f"agent {agent_id} not found")
        previous = row.availability
        if previous != availability:
            tx.conn.execute(update(a).where(a.c.id == agent_id).values(availability=availability))
            for b in brands:
                audit.record(
                    tx,
                    brand_id=b,
                    actor=actor,
                    action="agent.availability",
                    data={"agent_id": agent_id, "from": previous, "to": availability},
                )
        if availability == "online":
            request_assign_waiting(tx, teams_of(tx.conn, agent_id))
    return {"id": agent_id, "availability": availability, "previous": previous}


__all__ = [
    "AUTOMATIC",
    "AVAILABILITIES",
    "STRATEGIES",
    "Choice",
    "assign_conversation",
    "assign_waiting",
    "capacity_freed",
    "choose",
    "eligible_agents",
    "set_availability",
    "team_strategy",
]
