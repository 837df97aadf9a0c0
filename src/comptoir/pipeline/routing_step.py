"""Pipeline steps ``route`` (which team, by the brand's routing rules) and ``assign`` (which agent).

A conversation keeps a team or an assignee it already has: rules only fill what is empty, and an assignee
is never replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from comptoir.actions import audit
from comptoir.actions.assignment import assign_conversation
from comptoir.actions.routing import RoutingFacts, Rule, route
from comptoir.domain.enums import Direction
from comptoir.pipeline.context import MessageContext, StepResult
from comptoir.store import tables as t


def facts_of(ctx: MessageContext) -> RoutingFacts:
    triage = ctx.triage or {}
    priority = triage.get("priority")
    return RoutingFacts(
        account_id=ctx.account.id,
        account_kind=ctx.account.kind.value,
        region=ctx.account.region,
        channel=ctx.account.platform.value,
        visibility=ctx.visibility.value,
        intent=triage.get("intent"),
        language=triage.get("lang"),
        priority=int(priority) if priority is not None else None,
    )


def _label(rule: Rule) -> str:
    return f"rule {rule.name!r} (#{rule.id}, position {rule.position})"


@dataclass(frozen=True)
class Route:
    name: str = "route"
    description: str = (
        "Applies the brand's first matching routing rule: the conversation's team, if it has none."
    )

    def __call__(self, ctx: MessageContext) -> StepResult:
        if ctx.conversation_id is None:
            return StepResult(False, "no conversation")
        if ctx.direction != Direction.INBOUND:
            return StepResult(False, "sent by the brand: not routed")
        c = t.conversations
        conv = ctx.tx.conn.execute(select(c.c.team_id).where(c.c.id == ctx.conversation_id)).one()
        rule = route(ctx.tx.conn, ctx.account.brand_id, facts_of(ctx))
        if conv.team_id is not None:
            return StepResult(False, f"already in team {conv.team_id}: kept")
        if rule is None:
            return StepResult(False, "no routing rule matches")
        ctx.tx.conn.execute(update(c).where(c.c.id == ctx.conversation_id).values(team_id=rule.team_id))
        audit.record(
            ctx.tx,
            brand_id=ctx.account.brand_id,
            actor="system",
            action="conversation.routed",
            conversation_id=ctx.conversation_id,
            message_id=ctx.message_id,
            data={"team_id": rule.team_id, "rule_id": rule.id, "rule": rule.name},
        )
        return StepResult(
            True, f"{_label(rule)} → team {rule.team_id}", {"team_id": rule.team_id, "rule_id": rule.id}
        )


@dataclass(frozen=True)
class Assign:
    name: str = "assign"
    description: str = "Assigns an unassigned conversation with its rule's strategy (never reassigns)."

    def __call__(self, ctx: MessageContext) -> StepResult:
        if ctx.conversation_id is None:
            return StepResult(False, "no conversation")
        if ctx.direction != Direction.INBOUND:
            return StepResult(False, "sent by the brand: no assignment")
        c = t.conversations
        conv = ctx.tx.conn.execute(
            select(c.c.team_id, c.c.assignee_id, c.c.noise, c.c.status).where(c.c.id == ctx.conversation_id)
        ).one()
        if conv.assignee_id is not None:
            return StepResult(False, f"already assigned to agent {conv.assignee_id}: kept")
        if conv.team_id is None:
            return StepResult(False, "no team: waits for manual assignment")
        if conv.noise:
            return StepResult(False, "noise: not assigned")
        rule = route(ctx.tx.conn, ctx.account.brand_id, facts_of(ctx))
        if rule is None or rule.team_id != conv.team_id:
            return StepResult(
                False, f"no routing rule gives team {conv.team_id} a strategy: manual assignment"
            )
        if rule.assign == "none":
            return StepResult(False, f"{_label(rule)}: manual assignment")
        choice = assign_conversation(
            ctx.tx, ctx.conversation_id, conv.team_id, rule.assign, reason=f"new message; {_label(rule)}"
        )
        if choice is None:
            return StepResult(
                False,
                f"{_label(rule)}: no eligible agent in team {conv.team_id} (online, under capacity); waits",
            )
        return StepResult(
            True,
            f"assigned to agent {choice.agent_id}: {choice.why}",
            {"assignee_id": choice.agent_id, "strategy": choice.strategy},
        )
