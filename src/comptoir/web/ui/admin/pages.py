"""The administration pages (one GET route each) and brands (admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import insert
from starlette.concurrency import run_in_threadpool

from comptoir.actions import admin, audit
from comptoir.domain.enums import Role
from comptoir.errors import ComptoirError, Forbidden
from comptoir.store import tables as t
from comptoir.web.ui.admin.forms import required
from comptoir.web.ui.admin.screen import SECTIONS, redirect, render, supervisor_in
from comptoir.web.ui.base import acting_agent, current_agent, runtime_of
from comptoir.web.ui.people import CurrentAgent

router = APIRouter(include_in_schema=False)


@router.get("/ui/admin", response_class=HTMLResponse)
async def admin_home(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
    brand_id = supervisor_in(agent, request.query_params.get("brand"))
    return await render(request, agent, "brands", brand_id)


def _section_page(section: str) -> Any:
    async def page(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
        brand_id = supervisor_in(agent, request.query_params.get("brand"))
        return await render(request, agent, section, brand_id)

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
        new_id = admin.create_brand(db, required(name, "a brand needs a name"), actor=agent.actor)
        with db.transaction() as tx:
            tx.conn.execute(insert(t.agent_brands).values(agent_id=agent.id, brand_id=new_id))
            audit.record(
                tx,
                brand_id=new_id,
                actor=agent.actor,
                action="agent.brand_joined",
                data={"agent_id": agent.id},
            )

    try:
        await run_in_threadpool(work)
    except ComptoirError as exc:
        return await render(request, agent, "brands", brand_id, error=exc, form={"name": name})
    return redirect(request, "/ui/admin")
