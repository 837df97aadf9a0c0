"""Triage settings: train the brand's model from its agents' corrections (a queued job, one per brand at a
time), go back to the shipped model, or re-activate an earlier trained version. Supervisors and admins of the
brand only; every change is audited (``triage.training_queued``, ``triage.model_reverted``,
``triage.model_activated``; the job records ``triage.model_trained``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from comptoir.actions import audit
from comptoir.jobs.triage_training import queue_training
from comptoir.triage import learning
from comptoir.web.ui.admin.forms import required
from comptoir.web.ui.admin.screen import change, supervisor_in
from comptoir.web.ui.base import acting_agent, runtime_of
from comptoir.web.ui.people import CurrentAgent

router = APIRouter(include_in_schema=False)


@router.post("/ui/admin/triage-train")
async def triage_train(
    request: Request, brand_id: str = Form(""), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    """Queue the brand's training (refused with a clear message below the minimum of corrections)."""
    brand = supervisor_in(agent, brand_id)
    db = runtime_of(request).db

    def work() -> None:
        queue_training(db, brand, actor=agent.actor)

    return await change(request, agent, "triage", brand, work, {})


@router.post("/ui/admin/triage-revert")
async def triage_revert(
    request: Request, brand_id: str = Form(""), agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    """The brand's analysis uses the shipped model again (its trained versions are kept)."""
    brand = supervisor_in(agent, brand_id)
    db = runtime_of(request).db

    def work() -> None:
        previous = learning.active_model_dir(str(brand))
        learning.use_shipped_model(str(brand))
        with db.transaction() as tx:
            audit.record(
                tx,
                brand_id=brand,
                actor=agent.actor,
                action="triage.model_reverted",
                data={"previous": previous.name if previous is not None else None},
            )

    return await change(request, agent, "triage", brand, work, {})


@router.post("/ui/admin/triage-activate")
async def triage_activate(
    request: Request,
    brand_id: str = Form(""),
    version: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Use an earlier trained version of the brand again (another brand's or an unknown version: 404)."""
    brand = supervisor_in(agent, brand_id)
    db = runtime_of(request).db

    def work() -> None:
        name = required(version, "choose a version")
        previous = learning.active_model_dir(str(brand))
        learning.activate_version(str(brand), name)
        with db.transaction() as tx:
            audit.record(
                tx,
                brand_id=brand,
                actor=agent.actor,
                action="triage.model_activated",
                data={"version": name, "previous": previous.name if previous is not None else None},
            )

    return await change(request, agent, "triage", brand, work, {"version": version})
