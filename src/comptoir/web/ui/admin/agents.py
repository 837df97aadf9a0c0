"""Teams and agents of a brand: create, membership, capacity and availability, role, removal, disabling.

Removing an agent from the brand and disabling an agent end their open sessions at once (``agents.session_version``
is bumped; ``web.ui.base.current_agent`` refuses a cookie issued before).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from comptoir.actions import admin, audit
from comptoir.domain.enums import Role
from comptoir.errors import Conflict, NotFound, ValidationFailed
from comptoir.store import tables as t
from comptoir.web.auth import TokenCache
from comptoir.web.ui.admin.forms import FormError, as_form_error, id_of, required
from comptoir.web.ui.admin.screen import AVAILABILITY, change, supervisor_in
from comptoir.web.ui.base import acting_agent, runtime_of
from comptoir.web.ui.people import CurrentAgent, create_user

router = APIRouter(include_in_schema=False)


def agent_in_brand(conn: Any, agent_id: int, brand_id: int) -> bool:
    return (
        conn.execute(
            select(t.agent_brands.c.agent_id).where(
                t.agent_brands.c.agent_id == agent_id, t.agent_brands.c.brand_id == brand_id
            )
        ).first()
        is not None
    )


def _forget_tokens(request: Request) -> None:
    """The agent's revoked API tokens are refused at once in this process (other processes within 30 s)."""
    cache = getattr(request.app.state, "token_cache", None)
    if isinstance(cache, TokenCache):
        cache.clear()


def _disabled(db: Any, agent_id: int) -> bool:
    with db.read() as conn:
        return (
            conn.execute(select(t.agents.c.disabled_at).where(t.agents.c.id == agent_id)).scalar() is not None
        )


@router.post("/ui/admin/teams")
async def team_create(
    request: Request,
    brand_id: str = Form(""),
    name: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = supervisor_in(agent, brand_id)
    db = runtime_of(request).db

    def work() -> None:
        team = required(name, "a team needs a name")
        try:
            admin.create_team(db, brand, team, actor=agent.actor)
        except IntegrityError as exc:
            raise Conflict(f"a team named {team!r} already exists") from exc

    return await change(request, agent, "teams", brand, work, {"name": name})


@router.post("/ui/admin/team-members")
async def team_member_toggle(
    request: Request,
    brand_id: str = Form(""),
    team_id: str = Form(""),
    agent_id: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Add the agent to the team, or remove them when they already belong to it."""
    brand = supervisor_in(agent, brand_id)
    db = runtime_of(request).db
    team, member = id_of(team_id, "team"), id_of(agent_id, "agent")

    def work() -> None:
        tm = t.team_members
        with db.transaction() as tx:
            found = tx.conn.execute(
                select(t.teams.c.id).where(t.teams.c.id == team, t.teams.c.brand_id == brand)
            ).first()
            if found is None or not agent_in_brand(tx.conn, member, brand):
                raise NotFound("team or agent not found in this brand")
            present = tx.conn.execute(
                select(tm.c.team_id).where(tm.c.team_id == team, tm.c.agent_id == member)
            ).first()
            if present:
                tx.conn.execute(delete(tm).where(tm.c.team_id == team, tm.c.agent_id == member))
            else:
                tx.conn.execute(insert(tm).values(team_id=team, agent_id=member))
            audit.record(
                tx,
                brand_id=brand,
                actor=agent.actor,
                action="team.member_removed" if present else "team.member_added",
                data={"team_id": team, "agent_id": member},
            )

    return await change(request, agent, "teams", brand, work, {})


@router.post("/ui/admin/agents")
async def agent_create(
    request: Request,
    brand_id: str = Form(""),
    email: str = Form(""),
    name: str = Form(""),
    role: str = Form("agent"),
    password: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = supervisor_in(agent, brand_id)
    db = runtime_of(request).db

    def work() -> None:
        if role == Role.ADMIN.value and agent.role != Role.ADMIN.value:
            raise FormError("role", "only an admin can create an admin")
        create_user(
            db,
            brand_ids=[brand],
            email=email.strip(),
            name=name,
            role=role,
            password=password,
            actor=agent.actor,
        )

    return await change(request, agent, "agents", brand, work, {"email": email, "name": name, "role": role})


@router.post("/ui/admin/agent-settings")
async def agent_settings(
    request: Request,
    brand_id: str = Form(""),
    agent_id: str = Form(""),
    capacity: str = Form(""),
    availability: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """An agent's capacity (conversations at once) and availability, used by assignment."""
    brand = supervisor_in(agent, brand_id)
    db = runtime_of(request).db
    target = id_of(agent_id, "agent")

    def work() -> None:
        with db.read() as conn:
            if not agent_in_brand(conn, target, brand):
                raise NotFound(f"agent {target} not found in this brand")
        try:
            value = int(capacity.strip())
        except ValueError:
            value = -1
        if not 0 <= value <= 1000:
            raise FormError("capacity", "capacity: a whole number from 0 to 1000")
        if availability not in AVAILABILITY:
            raise FormError("choice", f"availability: one of {', '.join(AVAILABILITY)}")
        if availability != "offline" and _disabled(db, target):
            raise FormError("disabled", "a disabled agent stays offline: enable them first")
        with db.transaction() as tx:
            tx.conn.execute(
                update(t.agents)
                .where(t.agents.c.id == target)
                .values(capacity=value, availability=availability)
            )
            audit.record(
                tx,
                brand_id=brand,
                actor=agent.actor,
                action="agent.settings_changed",
                data={"agent_id": target, "capacity": value, "availability": availability},
            )

    return await change(request, agent, "agents", brand, work, {})


async def _agent_action(
    request: Request,
    agent: CurrentAgent,
    brand_id: str,
    agent_id: str,
    act: Callable[[Any, int, int], None],
    *,
    forget_tokens: bool = False,
) -> Response:
    """One supervisor action on an agent of the brand: ``act(db, brand, target)``; refusals become form errors."""
    brand = supervisor_in(agent, brand_id)
    target = id_of(agent_id, "agent")
    db = runtime_of(request).db

    def work() -> None:
        try:
            act(db, brand, target)
        except ValidationFailed as exc:
            raise as_form_error(exc) from exc
        if forget_tokens:
            _forget_tokens(request)

    return await change(request, agent, "agents", brand, work, {})


@router.post("/ui/admin/agent-role")
async def agent_role(
    request: Request,
    brand_id: str = Form(""),
    agent_id: str = Form(""),
    role: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Change an agent's role (a supervisor cannot grant or withdraw admin; nobody changes their own)."""
    return await _agent_action(
        request,
        agent,
        brand_id,
        agent_id,
        lambda db, brand, target: admin.change_agent_role(
            db, brand, target, role, by_id=agent.id, by_role=agent.role, actor=agent.actor
        ),
    )


@router.post("/ui/admin/agent-remove")
async def agent_remove(
    request: Request,
    brand_id: str = Form(""),
    agent_id: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Remove an agent from this brand (not yourself): its teams and open assignments there go too."""
    return await _agent_action(
        request,
        agent,
        brand_id,
        agent_id,
        lambda db, brand, target: admin.remove_agent_from_brand(
            db, brand, target, by_id=agent.id, actor=agent.actor
        ),
        forget_tokens=True,
    )


def _disable_route(disabled: bool) -> Any:
    async def route(
        request: Request,
        brand_id: str = Form(""),
        agent_id: str = Form(""),
        agent: CurrentAgent = Depends(acting_agent),
    ) -> Response:
        return await _agent_action(
            request,
            agent,
            brand_id,
            agent_id,
            lambda db, brand, target: admin.set_agent_disabled(
                db,
                brand,
                target,
                disabled,
                by_id=agent.id,
                by_role=agent.role,
                by_brands=agent.brand_ids,
                actor=agent.actor,
            ),
            forget_tokens=True,
        )

    route.__name__ = "agent_disable" if disabled else "agent_enable"
    route.__doc__ = (
        "Disable an agent of this brand only: no login, sessions ended, tokens revoked, work released."
        if disabled
        else "Let a disabled agent log in again."
    )
    return route


router.add_api_route("/ui/admin/agent-disable", _disable_route(True), methods=["POST"])
router.add_api_route("/ui/admin/agent-enable", _disable_route(False), methods=["POST"])
