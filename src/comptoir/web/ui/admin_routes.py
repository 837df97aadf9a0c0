"""Administration screens (supervisors and admins): brands, accounts, teams, agents, calendar, SLA policies,
automatic-acknowledgement rules, triage settings and platform apps.

Every page is scoped to one of the agent's brands (``?brand=ID``, another brand is 404); every change goes
through the existing action (``actions.admin``, ``actions.sla``, ``actions.acknowledgements``,
``web.ui.people``) with ``actor=agent:<id>`` so that it lands in the audit log. Invalid input re-renders the
page with status 400/409, a translated message and nothing written. Secrets (access tokens, app secrets,
callback secrets) are never displayed.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from comptoir.actions import acknowledgements, admin, audit, sla
from comptoir.actions.corrections import corrections_for_brand
from comptoir.channels.apps import webhook_path
from comptoir.domain.enums import AccountKind, Platform, Role
from comptoir.errors import AccountNotFound, ComptoirError, Conflict, Forbidden, NotFound, ValidationFailed
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.web.ui.base import Page, acting_agent, current_agent, finish, require_supervisor, runtime_of
from comptoir.web.ui.people import CurrentAgent, create_user

router = APIRouter(include_in_schema=False)

SECTIONS = ("accounts", "teams", "agents", "routing", "calendar", "policies", "ack-rules", "triage", "apps")
AVAILABILITY = ("online", "away", "offline")
CALENDAR_EXAMPLE = {
    "timezone": "Europe/Paris",
    "hours": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-12-25"],
    "holiday_country": "FR",
}


class FormError(ValidationFailed):
    """A form value the screen refuses before calling an action; ``kind`` picks the translated message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message, details={"kind": kind})


def _brand_of(agent: CurrentAgent, value: str | int | None) -> int:
    if value is None or value == "":
        if not agent.brand_ids:
            raise NotFound("no brand")
        return agent.brand_ids[0]
    text = str(value)
    if not text.isdigit() or int(text) not in agent.brand_ids:
        raise NotFound(f"brand {text} not found")
    return int(text)


def _redirect(request: Request, url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    finish(request, response)
    return response


def _optional_int(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise FormError("number", f"{field}: expected a whole number")
    return int(value)


def _json_object(value: str, field: str) -> dict[str, Any]:
    if not value.strip():
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise FormError("json", f"{field}: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise FormError("json", f"{field}: expected a JSON object {{...}}")
    return data


def _minutes(value: str, field: str) -> float | None:
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise FormError("number", f"{field}: expected a number of minutes") from exc
    if number < 0:
        raise FormError("number", f"{field}: expected a number of minutes ≥ 0")
    return int(number) if number.is_integer() else number


def _compact_json(value: dict[str, Any]) -> str:
    """One line per key, nested values on one line: readable in a textarea and in the example."""
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            inner = [f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in item.items()]
            lines.append(f"  {json.dumps(key)}: {{\n" + ",\n".join(inner) + "\n  }")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(item, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}"


# -- reading ----------------------------------------------------------------------------------------------


def _section_data(db: Database, section: str, brand_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    with db.read() as conn:
        if section == "accounts":
            a = t.accounts
            data["accounts"] = conn.execute(
                select(
                    a.c.id, a.c.platform, a.c.external_id, a.c.handle, a.c.kind, a.c.region,
                    a.c.redirect_to, a.c.app_id, a.c.access_token_enc.is_not(None).label("has_token"),
                )
                .where(a.c.brand_id == brand_id)
                .order_by(a.c.kind, a.c.platform, a.c.handle)
            ).all()
            data["apps"] = conn.execute(
                select(t.platform_apps.c.id, t.platform_apps.c.platform, t.platform_apps.c.name).order_by(
                    t.platform_apps.c.id
                )
            ).all()
        elif section in ("teams", "agents"):
            ag, ab, tm, teams = t.agents, t.agent_brands, t.team_members, t.teams
            data["agents"] = conn.execute(
                select(ag.c.id, ag.c.name, ag.c.email, ag.c.role, ag.c.capacity, ag.c.availability)
                .join(ab, ab.c.agent_id == ag.c.id)
                .where(ab.c.brand_id == brand_id)
                .order_by(ag.c.name)
            ).all()
            data["teams"] = conn.execute(
                select(teams.c.id, teams.c.name).where(teams.c.brand_id == brand_id).order_by(teams.c.name)
            ).all()
            members: dict[int, list[int]] = {}
            for row in conn.execute(
                select(tm.c.team_id, tm.c.agent_id)
                .join(teams, teams.c.id == tm.c.team_id)
                .where(teams.c.brand_id == brand_id)
            ):
                members.setdefault(int(row.team_id), []).append(int(row.agent_id))
            data["members"] = members
        elif section == "calendar":
            c = t.calendars
            spec = conn.execute(
                select(c.c.spec).where(c.c.brand_id == brand_id, c.c.account_id.is_(None))
            ).scalar_one_or_none()
            data["calendar"] = _compact_json(spec) if isinstance(spec, dict) else ""
            data["example"] = _compact_json(CALENDAR_EXAMPLE)
        elif section == "policies":
            p = t.sla_policies
            data["policies"] = conn.execute(
                select(p).where(p.c.brand_id == brand_id).order_by(p.c.position, p.c.id)
            ).all()
        elif section == "routing":
            rr = t.routing_rules
            data["routing_rules"] = conn.execute(
                select(rr).where(rr.c.brand_id == brand_id).order_by(rr.c.position, rr.c.id)
            ).all()
            data["teams"] = conn.execute(
                select(t.teams.c.id, t.teams.c.name).where(t.teams.c.brand_id == brand_id).order_by(t.teams.c.name)
            ).all()
        elif section == "ack-rules":
            r = t.ack_rules
            data["rules"] = conn.execute(
                select(r).where(r.c.brand_id == brand_id).order_by(r.c.position, r.c.id)
            ).all()
        elif section == "apps":
            pa = t.platform_apps
            data["apps"] = [
                {"id": row.id, "platform": row.platform, "name": row.name, "webhook": webhook_path(row.platform, row.id),
                 "created_at": row.created_at}
                for row in conn.execute(
                    select(pa.c.id, pa.c.platform, pa.c.name, pa.c.created_at).order_by(pa.c.id)
                )
            ]
        elif section == "brands":
            data["brand_rows"] = conn.execute(
                select(t.brands.c.id, t.brands.c.name, func.count(t.accounts.c.id).label("accounts"))
                .outerjoin(t.accounts, t.accounts.c.brand_id == t.brands.c.id)
                .group_by(t.brands.c.id, t.brands.c.name)
                .order_by(t.brands.c.name)
            ).all()
    if section == "triage":
        data["triage"] = _triage_settings(db, brand_id)
    return data


def _triage_settings(db: Database, brand_id: int) -> dict[str, Any]:
    from comptoir.triage.learning import active_model_dir
    from comptoir.triage.model import SHIPPED_DIR

    shipped = "?"
    meta = SHIPPED_DIR / "meta.json"
    if meta.is_file():
        shipped = str(json.loads(meta.read_text(encoding="utf-8")).get("version", "?"))
    active = active_model_dir(str(brand_id))
    return {
        "shipped_version": shipped,
        "brand_model": active.name if active is not None else None,
        "corrections": len(corrections_for_brand(db, brand_id)),
    }


async def _render(
    request: Request,
    agent: CurrentAgent,
    section: str,
    brand_id: int,
    *,
    error: ComptoirError | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    data = await run_in_threadpool(_section_data, runtime_of(request).db, section, brand_id)
    status = 200
    kind = None
    if error is not None:
        status = 409 if isinstance(error, Conflict) else 400
        kind = error.details.get("kind") if isinstance(error, FormError) else (
            "conflict" if isinstance(error, Conflict) else "invalid"
        )
    return Page(request, agent).render(
        "admin.html",
        status_code=status,
        section=section,
        sections=SECTIONS,
        brand_id=brand_id,
        error_kind=kind,
        error_detail=str(error) if error is not None else None,
        form=form or {},
        platforms=[p.value for p in Platform],
        kinds=[k.value for k in AccountKind],
        roles=[r.value for r in Role],
        availability=AVAILABILITY,
        when_values=sorted(acknowledgements.WHEN),
        ack_kinds=sorted(acknowledgements.KINDS),
        **data,
    )


async def _change(
    request: Request,
    agent: CurrentAgent,
    section: str,
    brand_id: int,
    work: Any,
    form: dict[str, Any],
) -> Response:
    """Run ``work`` in a thread; success → back to the section, a refused value → the page with the message."""
    try:
        await run_in_threadpool(work)
    except (NotFound, Forbidden):
        raise
    except ComptoirError as exc:
        return await _render(request, agent, section, brand_id, error=exc, form=form)
    return _redirect(request, f"/ui/admin/{section}?brand={brand_id}")


def _supervisor_in(agent: CurrentAgent, brand_id: str | int | None) -> int:
    require_supervisor(agent)
    return _brand_of(agent, brand_id)


# -- pages ------------------------------------------------------------------------------------------------


@router.get("/ui/admin", response_class=HTMLResponse)
async def admin_home(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
    brand_id = _supervisor_in(agent, request.query_params.get("brand"))
    return await _render(request, agent, "brands", brand_id)


def _section_page(section: str) -> Any:
    async def page(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
        brand_id = _supervisor_in(agent, request.query_params.get("brand"))
        return await _render(request, agent, section, brand_id)

    page.__name__ = f"admin_{section.replace('-', '_')}_page"
    return page


for _section in SECTIONS:  # one explicit route per page (the access matrix lists every route)
    router.add_api_route(
        f"/ui/admin/{_section}", _section_page(_section), methods=["GET"], response_class=HTMLResponse
    )


@router.post("/ui/admin/brands")
async def brand_create(
    request: Request, name: str = Form(""), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    """Admins only: a new brand, which the admin joins (so it appears in their brands)."""
    if agent.role != Role.ADMIN.value:
        raise Forbidden("admins only")
    db = runtime_of(request).db
    brand_id = agent.brand_ids[0] if agent.brand_ids else 0

    def work() -> None:
        if not name.strip():
            raise FormError("required", "a brand needs a name")
        new_id = admin.create_brand(db, name, actor=agent.actor)
        with db.transaction() as tx:
            tx.conn.execute(insert(t.agent_brands).values(agent_id=agent.id, brand_id=new_id))
            audit.record(
                tx, brand_id=new_id, actor=agent.actor, action="agent.brand_joined", data={"agent_id": agent.id}
            )

    try:
        await run_in_threadpool(work)
    except ComptoirError as exc:
        return await _render(request, agent, "brands", brand_id, error=exc, form={"name": name})
    return _redirect(request, "/ui/admin")


@router.post("/ui/admin/accounts")
async def account_create(
    request: Request,
    brand_id: str = Form(""),
    platform: str = Form(""),
    handle: str = Form(""),
    external_id: str = Form(""),
    kind: str = Form("care"),
    region: str = Form(""),
    redirect_to: str = Form(""),
    app_id: str = Form(""),
    access_token: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = _supervisor_in(agent, brand_id)
    runtime = runtime_of(request)
    form = {"platform": platform, "handle": handle, "external_id": external_id, "kind": kind,
            "region": region, "redirect_to": redirect_to, "app_id": app_id}

    def work() -> None:
        from comptoir.channels.apps import PROVIDER_OF, require_app_for

        if platform not in {p.value for p in Platform}:
            raise FormError("choice", f"platform: one of {', '.join(p.value for p in Platform)}")
        if kind not in {k.value for k in AccountKind}:
            raise FormError("choice", f"kind: one of {', '.join(k.value for k in AccountKind)}")
        if not handle.strip():
            raise FormError("required", "an account needs a handle")
        chosen = Platform(platform)
        app = _optional_int(app_id, "app")
        if app is None and PROVIDER_OF.get(chosen) and access_token.strip():
            raise FormError("app", f"a {platform} account with an access token needs its platform app")
        if app is not None:
            require_app_for(runtime.db, runtime.settings, app, chosen)
        if AccountKind(kind) == AccountKind.REGIONAL and not region.strip():
            raise FormError("region", "a regional account needs its region")
        try:
            _create_account(runtime, brand, chosen, app, agent)
        except AccountNotFound as exc:  # the redirection target is not an account of this brand
            raise FormError("redirect", str(exc)) from exc

    def _create_account(runtime: Any, brand: int, chosen: Platform, app: int | None, agent: CurrentAgent) -> None:
        from comptoir.secrets import encrypt

        admin.create_account(
            runtime.db,
            brand_id=brand,
            platform=chosen,
            handle=handle.strip(),
            external_id=external_id.strip() or None,
            kind=AccountKind(kind),
            region=region.strip() or None,
            redirect_to=_optional_int(redirect_to, "redirect_to"),
            app_id=app,
            access_token_enc=encrypt(access_token.strip(), runtime.settings) if access_token.strip() else None,
            actor=agent.actor,
        )

    return await _change(request, agent, "accounts", brand, work, form)


@router.post("/ui/admin/teams")
async def team_create(
    request: Request,
    brand_id: str = Form(""),
    name: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = _supervisor_in(agent, brand_id)
    db = runtime_of(request).db

    def work() -> None:
        if not name.strip():
            raise FormError("required", "a team needs a name")
        try:
            admin.create_team(db, brand, name.strip(), actor=agent.actor)
        except IntegrityError as exc:
            raise Conflict(f"a team named {name.strip()!r} already exists") from exc

    return await _change(request, agent, "teams", brand, work, {"name": name})


def _agent_in_brand(conn: Any, agent_id: int, brand_id: int) -> bool:
    return (
        conn.execute(
            select(t.agent_brands.c.agent_id).where(
                t.agent_brands.c.agent_id == agent_id, t.agent_brands.c.brand_id == brand_id
            )
        ).first()
        is not None
    )


@router.post("/ui/admin/team-members")
async def team_member_toggle(
    request: Request,
    brand_id: str = Form(""),
    team_id: str = Form(""),
    agent_id: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Add the agent to the team, or remove them when they already belong to it."""
    brand = _supervisor_in(agent, brand_id)
    db = runtime_of(request).db
    if not team_id.isdigit() or not agent_id.isdigit():
        raise NotFound("team or agent not found")
    team, member = int(team_id), int(agent_id)

    def work() -> None:
        tm = t.team_members
        with db.transaction() as tx:
            found = tx.conn.execute(
                select(t.teams.c.id).where(t.teams.c.id == team, t.teams.c.brand_id == brand)
            ).first()
            if found is None or not _agent_in_brand(tx.conn, member, brand):
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

    return await _change(request, agent, "teams", brand, work, {})


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
    brand = _supervisor_in(agent, brand_id)
    db = runtime_of(request).db

    def work() -> None:
        if role == Role.ADMIN.value and agent.role != Role.ADMIN.value:
            raise FormError("role", "only an admin can create an admin")
        create_user(
            db, brand_ids=[brand], email=email.strip(), name=name, role=role, password=password,
            actor=agent.actor,
        )

    return await _change(request, agent, "agents", brand, work, {"email": email, "name": name, "role": role})


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
    brand = _supervisor_in(agent, brand_id)
    db = runtime_of(request).db
    if not agent_id.isdigit():
        raise NotFound("agent not found")
    target = int(agent_id)

    def work() -> None:
        with db.read() as conn:
            if not _agent_in_brand(conn, target, brand):
                raise NotFound(f"agent {target} not found in this brand")
        try:
            value = int(capacity.strip())
        except ValueError:
            value = -1
        if not 0 <= value <= 1000:
            raise FormError("capacity", "capacity: a whole number from 0 to 1000")
        if availability not in AVAILABILITY:
            raise FormError("choice", f"availability: one of {', '.join(AVAILABILITY)}")
        with db.transaction() as tx:
            tx.conn.execute(
                update(t.agents).where(t.agents.c.id == target).values(capacity=value, availability=availability)
            )
            audit.record(
                tx,
                brand_id=brand,
                actor=agent.actor,
                action="agent.settings_changed",
                data={"agent_id": target, "capacity": value, "availability": availability},
            )

    return await _change(request, agent, "agents", brand, work, {})


def _as_form_error(exc: ValidationFailed) -> ComptoirError:
    kind = exc.details.get("kind") if isinstance(exc.details, dict) else None
    return FormError(str(kind), str(exc)) if kind else exc


@router.post("/ui/admin/agent-role")
async def agent_role(
    request: Request,
    brand_id: str = Form(""),
    agent_id: str = Form(""),
    role: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Change an agent's role (a supervisor cannot grant or withdraw admin; nobody changes their own)."""
    brand = _supervisor_in(agent, brand_id)
    target = _id_of(agent_id, "agent")
    db = runtime_of(request).db

    def work() -> None:
        try:
            admin.change_agent_role(db, brand, target, role, by_id=agent.id, by_role=agent.role, actor=agent.actor)
        except ValidationFailed as exc:
            raise _as_form_error(exc) from exc

    return await _change(request, agent, "agents", brand, work, {})


@router.post("/ui/admin/agent-remove")
async def agent_remove(
    request: Request,
    brand_id: str = Form(""),
    agent_id: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Remove an agent from this brand (not yourself): its teams and open assignments there go too."""
    brand = _supervisor_in(agent, brand_id)
    target = _id_of(agent_id, "agent")
    db = runtime_of(request).db

    def work() -> None:
        try:
            admin.remove_agent_from_brand(db, brand, target, by_id=agent.id, actor=agent.actor)
        except ValidationFailed as exc:
            raise _as_form_error(exc) from exc

    return await _change(request, agent, "agents", brand, work, {})


@router.post("/ui/admin/calendar")
async def calendar_set(
    request: Request,
    brand_id: str = Form(""),
    spec: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = _supervisor_in(agent, brand_id)
    db = runtime_of(request).db

    def work() -> None:
        data = _json_object(spec, "calendar")
        if not data:
            raise FormError("required", "the calendar is empty: start from the example")
        sla.set_calendar(db, brand, data, actor=agent.actor)

    return await _change(request, agent, "calendar", brand, work, {"spec": spec})


@router.post("/ui/admin/policies")
async def policy_create(
    request: Request,
    brand_id: str = Form(""),
    name: str = Form(""),
    first_response_minutes: str = Form(""),
    next_response_minutes: str = Form(""),
    resolution_minutes: str = Form(""),
    business_hours: str = Form(""),
    conditions: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = _supervisor_in(agent, brand_id)
    db = runtime_of(request).db
    form = {"name": name, "first_response_minutes": first_response_minutes,
            "next_response_minutes": next_response_minutes, "resolution_minutes": resolution_minutes,
            "business_hours": business_hours, "conditions": conditions}

    def work() -> None:
        if not name.strip():
            raise FormError("required", "a policy needs a name")
        targets: dict[str, Any] = {
            "first_response_minutes": _minutes(first_response_minutes, "first response"),
            "next_response_minutes": _minutes(next_response_minutes, "next response"),
            "resolution_minutes": _minutes(resolution_minutes, "resolution"),
        }
        if all(v is None for v in targets.values()):
            raise FormError("targets", "a policy needs at least one target")
        targets["business_hours"] = business_hours == "on"
        sla.create_policy(
            db, brand, name=name.strip(), targets=targets, conditions=_json_object(conditions, "conditions"),
            actor=agent.actor,
        )

    return await _change(request, agent, "policies", brand, work, form)


def _policy_targets(first: str, following: str, resolution: str, business_hours: str) -> dict[str, Any]:
    targets: dict[str, Any] = {
        "first_response_minutes": _minutes(first, "first response"),
        "next_response_minutes": _minutes(following, "next response"),
        "resolution_minutes": _minutes(resolution, "resolution"),
    }
    if all(v is None for v in targets.values()):
        raise FormError("targets", "a policy needs at least one target")
    targets["business_hours"] = business_hours == "on"
    return targets


def _id_of(value: str, what: str) -> int:
    if not value.strip().isdigit():
        raise NotFound(f"{what} not found")
    return int(value.strip())


@router.post("/ui/admin/policy-update")
async def policy_update(
    request: Request,
    brand_id: str = Form(""),
    policy_id: str = Form(""),
    name: str = Form(""),
    first_response_minutes: str = Form(""),
    next_response_minutes: str = Form(""),
    resolution_minutes: str = Form(""),
    business_hours: str = Form(""),
    conditions: str = Form(""),
    actions: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Edit a policy (targets, conditions, actions); the brand's live clocks are then re-evaluated by a job."""
    brand = _supervisor_in(agent, brand_id)
    policy = _id_of(policy_id, "policy")
    db = runtime_of(request).db
    form = {"name": name, "first_response_minutes": first_response_minutes,
            "next_response_minutes": next_response_minutes, "resolution_minutes": resolution_minutes,
            "business_hours": business_hours, "conditions": conditions, "actions": actions}

    def work() -> None:
        if not name.strip():
            raise FormError("required", "a policy needs a name")
        targets = _policy_targets(first_response_minutes, next_response_minutes, resolution_minutes, business_hours)
        sla.update_policy(
            db, brand, policy, name=name.strip(), targets=targets,
            conditions=_json_object(conditions, "conditions"), actions=_json_object(actions, "actions"),
            actor=agent.actor,
        )

    return await _change(request, agent, "policies", brand, work, form)


@router.post("/ui/admin/policy-move")
async def policy_move(
    request: Request,
    brand_id: str = Form(""),
    policy_id: str = Form(""),
    direction: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Move a policy up (matched earlier) or down."""
    brand = _supervisor_in(agent, brand_id)
    policy = _id_of(policy_id, "policy")
    db = runtime_of(request).db

    def work() -> None:
        sla.move_policy(db, brand, policy, direction, actor=agent.actor)

    return await _change(request, agent, "policies", brand, work, {})


@router.post("/ui/admin/policy-delete")
async def policy_delete(
    request: Request,
    brand_id: str = Form(""),
    policy_id: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = _supervisor_in(agent, brand_id)
    policy = _id_of(policy_id, "policy")
    db = runtime_of(request).db

    def work() -> None:
        sla.delete_policy(db, brand, policy, actor=agent.actor)

    return await _change(request, agent, "policies", brand, work, {})


RULE_OPS = ("enable", "disable", "up", "down", "delete")


def _rule_change(module: Any, db: Database, brand: int, rule: int, op: str, actor: str) -> None:
    """``op``: enable, disable, up, down or delete, through ``module``'s rule actions."""
    if op in ("enable", "disable"):
        module.set_rule_enabled(db, brand, rule, op == "enable", actor=actor)
    elif op in ("up", "down"):
        module.move_rule(db, brand, rule, op, actor=actor)
    elif op == "delete":
        module.delete_rule(db, brand, rule, actor=actor)
    else:
        raise FormError("choice", f"op: one of {', '.join(RULE_OPS)}")


@router.post("/ui/admin/ack-rule-change")
async def ack_rule_change(
    request: Request,
    brand_id: str = Form(""),
    rule_id: str = Form(""),
    op: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Enable, disable, move up/down or delete an automatic-acknowledgement rule."""
    brand = _supervisor_in(agent, brand_id)
    rule = _id_of(rule_id, "rule")
    db = runtime_of(request).db

    def work() -> None:
        _rule_change(acknowledgements, db, brand, rule, op, agent.actor)

    return await _change(request, agent, "ack-rules", brand, work, {})


@router.post("/ui/admin/routing-rule-change")
async def routing_rule_change(
    request: Request,
    brand_id: str = Form(""),
    rule_id: str = Form(""),
    op: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Enable, disable, move up/down or delete a routing rule."""
    from comptoir.actions import routing

    brand = _supervisor_in(agent, brand_id)
    rule = _id_of(rule_id, "rule")
    db = runtime_of(request).db

    def work() -> None:
        _rule_change(routing, db, brand, rule, op, agent.actor)

    return await _change(request, agent, "routing", brand, work, {})


@router.post("/ui/admin/ack-rules")
async def ack_rule_create(
    request: Request,
    brand_id: str = Form(""),
    name: str = Form(""),
    when: str = Form(""),
    kind: str = Form("receipt"),
    channels: str = Form(""),
    public: str = Form(""),
    template_fr: str = Form(""),
    template_en: str = Form(""),
    redirect: str = Form(""),
    min_interval_hours: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = _supervisor_in(agent, brand_id)
    db = runtime_of(request).db
    form = {"name": name, "when": when, "kind": kind, "channels": channels, "public": public,
            "template_fr": template_fr, "template_en": template_en, "redirect": redirect,
            "min_interval_hours": min_interval_hours}

    def work() -> None:
        if not name.strip():
            raise FormError("required", "a rule needs a name")
        spec: dict[str, Any] = {"when": when, "kind": kind, "public": public == "on"}
        chosen = [c.strip().lower() for c in channels.split(",") if c.strip()]
        unknown = [c for c in chosen if c not in {p.value for p in Platform}]
        if unknown:
            raise FormError("choice", f"unknown channel {unknown[0]!r}: {', '.join(p.value for p in Platform)}")
        if chosen:
            spec["channels"] = chosen
        templates = {lang: text.strip() for lang, text in (("fr", template_fr), ("en", template_en)) if text.strip()}
        if templates:
            spec["templates"] = templates
        if redirect.strip():
            spec["redirect"] = redirect.strip()
        interval = _minutes(min_interval_hours, "minimum interval")
        if interval is not None:
            spec["min_interval_hours"] = interval
        acknowledgements.create_rule(db, brand, name.strip(), spec, actor=agent.actor)

    return await _change(request, agent, "ack-rules", brand, work, form)


@router.post("/ui/admin/routing")
async def routing_rule_create(
    request: Request,
    brand_id: str = Form(""),
    name: str = Form(""),
    conditions: str = Form(""),
    target: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """A routing rule (appended: the first matching rule decides), validated by ``actions.routing``."""
    from comptoir.actions import routing

    brand = _supervisor_in(agent, brand_id)
    db = runtime_of(request).db
    form = {"name": name, "conditions": conditions, "target": target}

    def work() -> None:
        if not name.strip():
            raise FormError("required", "a rule needs a name")
        if not target.strip():
            raise FormError("required", "a rule needs a target")
        routing.create_rule(
            db, brand, name, _json_object(conditions, "conditions"), _json_object(target, "target"),
            actor=agent.actor,
        )

    return await _change(request, agent, "routing", brand, work, form)


@router.post("/ui/admin/account-settings")
async def account_settings(
    request: Request,
    brand_id: str = Form(""),
    account_id: str = Form(""),
    kind: str = Form(""),
    region: str = Form(""),
    redirect_to: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Change an account's family, region and redirection (to another account of the same brand, not itself)."""
    brand = _supervisor_in(agent, brand_id)
    db = runtime_of(request).db
    if not account_id.isdigit():
        raise NotFound("account not found")
    target = int(account_id)

    def work() -> None:
        a = t.accounts
        with db.transaction() as tx:
            row = tx.conn.execute(
                select(a.c.id, a.c.kind, a.c.region, a.c.redirect_to).where(a.c.id == target, a.c.brand_id == brand)
            ).first()
            if row is None:
                raise NotFound(f"account {target} not found in this brand")
            if kind not in {k.value for k in AccountKind}:
                raise FormError("choice", f"kind: one of {', '.join(k.value for k in AccountKind)}")
            if kind == AccountKind.REGIONAL.value and not region.strip():
                raise FormError("region", "a regional account needs its region")
            redirect = _optional_int(redirect_to, "redirect_to")
            if redirect is not None:
                found = tx.conn.execute(
                    select(a.c.id).where(a.c.id == redirect, a.c.brand_id == brand)
                ).first()
                if found is None or redirect == target:
                    raise FormError("redirect", f"account {redirect} is not another account of this brand")
            values = {"kind": kind, "region": region.strip() or None, "redirect_to": redirect}
            tx.conn.execute(update(a).where(a.c.id == target).values(**values))
            audit.record(
                tx,
                brand_id=brand,
                actor=agent.actor,
                action="account.changed",
                data={"account_id": target, "before": {"kind": row.kind, "region": row.region,
                                                       "redirect_to": row.redirect_to}, "after": values},
            )

    return await _change(request, agent, "accounts", brand, work, {})
