"""The brand's business calendar, its accounts' own calendars, and its SLA policies (create, edit, reorder,
delete). Every change re-evaluates the brand's live clocks in a queued job (``actions.sla.queue_recompute``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from comptoir.actions import sla
from comptoir.web.ui.admin.forms import FormError, fields, id_of, json_object, minutes, required
from comptoir.web.ui.admin.screen import change, supervisor_in
from comptoir.web.ui.base import acting_agent, runtime_of
from comptoir.web.ui.people import CurrentAgent

router = APIRouter(include_in_schema=False)

POLICY_FIELDS = (
    "name",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "business_hours",
    "conditions",
)


@router.post("/ui/admin/calendar")
async def calendar_set(
    request: Request,
    brand_id: str = Form(""),
    spec: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = supervisor_in(agent, brand_id)
    db = runtime_of(request).db

    def work() -> None:
        data = json_object(spec, "calendar")
        if not data:
            raise FormError("required", "the calendar is empty: start from the example")
        sla.set_calendar(db, brand, data, actor=agent.actor)

    return await change(request, agent, "calendar", brand, work, {"spec": spec})


@router.post("/ui/admin/account-calendar")
async def account_calendar_set(
    request: Request,
    brand_id: str = Form(""),
    account_id: str = Form(""),
    spec: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Give an account of the brand its own calendar: its conversations' clocks count its hours, not the brand's."""
    brand = supervisor_in(agent, brand_id)
    account = id_of(account_id, "account")
    db = runtime_of(request).db

    def work() -> None:
        data = json_object(spec, "calendar")
        if not data:
            raise FormError("required", "the calendar is empty: start from the example")
        sla.set_calendar(db, brand, data, account_id=account, actor=agent.actor)

    return await change(
        request, agent, "calendar", brand, work, {"account_spec": spec, "account_id": str(account)}
    )


@router.post("/ui/admin/account-calendar-delete")
async def account_calendar_clear(
    request: Request,
    brand_id: str = Form(""),
    account_id: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """The account follows the brand's calendar again."""
    brand = supervisor_in(agent, brand_id)
    account = id_of(account_id, "account")
    db = runtime_of(request).db

    def work() -> None:
        sla.clear_account_calendar(db, brand, account, actor=agent.actor)

    return await change(request, agent, "calendar", brand, work, {})


def policy_targets(form: dict[str, str]) -> dict[str, Any]:
    """The targets of a policy form, in minutes (at least one), and whether business hours count."""
    targets: dict[str, Any] = {
        "first_response_minutes": minutes(form["first_response_minutes"], "first response"),
        "next_response_minutes": minutes(form["next_response_minutes"], "next response"),
        "resolution_minutes": minutes(form["resolution_minutes"], "resolution"),
    }
    if all(v is None for v in targets.values()):
        raise FormError("targets", "a policy needs at least one target")
    targets["business_hours"] = form["business_hours"] == "on"
    return targets


@router.post("/ui/admin/policies")
async def policy_create(request: Request, agent: CurrentAgent = Depends(acting_agent)) -> Response:
    posted = await request.form()
    brand = supervisor_in(agent, fields(posted, "brand_id")["brand_id"])
    db = runtime_of(request).db
    form = fields(posted, *POLICY_FIELDS)

    def work() -> None:
        name = required(form["name"], "a policy needs a name")
        sla.create_policy(
            db,
            brand,
            name=name,
            targets=policy_targets(form),
            conditions=json_object(form["conditions"], "conditions"),
            actor=agent.actor,
        )

    return await change(request, agent, "policies", brand, work, form)


@router.post("/ui/admin/policy-update")
async def policy_update(request: Request, agent: CurrentAgent = Depends(acting_agent)) -> Response:
    """Edit a policy (targets, conditions, actions); the brand's live clocks are then re-evaluated by a job."""
    posted = await request.form()
    ids = fields(posted, "brand_id", "policy_id")
    brand = supervisor_in(agent, ids["brand_id"])
    policy = id_of(ids["policy_id"], "policy")
    db = runtime_of(request).db
    form = fields(posted, *POLICY_FIELDS, "actions") | {"policy_id": str(policy)}

    def work() -> None:
        name = required(form["name"], "a policy needs a name")
        sla.update_policy(
            db,
            brand,
            policy,
            name=name,
            targets=policy_targets(form),
            conditions=json_object(form["conditions"], "conditions"),
            actions=json_object(form["actions"], "actions"),
            actor=agent.actor,
        )

    return await change(request, agent, "policies", brand, work, form)


@router.post("/ui/admin/policy-move")
async def policy_move(
    request: Request,
    brand_id: str = Form(""),
    policy_id: str = Form(""),
    direction: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Move a policy up (matched earlier) or down."""
    brand = supervisor_in(agent, brand_id)
    policy = id_of(policy_id, "policy")
    db = runtime_of(request).db

    def work() -> None:
        sla.move_policy(db, brand, policy, direction, actor=agent.actor)

    return await change(request, agent, "policies", brand, work, {})


@router.post("/ui/admin/policy-delete")
async def policy_delete(
    request: Request,
    brand_id: str = Form(""),
    policy_id: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = supervisor_in(agent, brand_id)
    policy = id_of(policy_id, "policy")
    db = runtime_of(request).db

    def work() -> None:
        sla.delete_policy(db, brand, policy, actor=agent.actor)

    return await change(request, agent, "policies", brand, work, {})
