"""Reply templates (read by all, managed by supervisors) and personal API tokens."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import delete, insert, select, update
from starlette.concurrency import run_in_threadpool

from comptoir import clock
from comptoir.actions import audit
from comptoir.actions.admin import hash_token
from comptoir.errors import ComptoirError, NotFound
from comptoir.replies.library import create_template
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.web.ui.base import Page, acting_agent, current_agent, finish, require_supervisor, runtime_of
from comptoir.web.ui.people import CurrentAgent

router = APIRouter(include_in_schema=False)


def _redirect(request: Request, url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    finish(request, response)
    return response


def _templates(db: Database, agent: CurrentAgent) -> dict[str, Any]:
    rt = t.reply_templates
    with db.read() as conn:
        rows = conn.execute(
            select(rt)
            .where(rt.c.brand_id.in_(agent.brand_ids))
            .order_by(rt.c.brand_id, rt.c.name, rt.c.language)
        ).all()
        teams = conn.execute(
            select(t.teams.c.id, t.teams.c.name, t.teams.c.brand_id).where(
                t.teams.c.brand_id.in_(agent.brand_ids)
            )
        ).all()
    return {"templates": rows, "teams": teams}


@router.get("/ui/templates", response_class=HTMLResponse)
async def templates_page(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
    data = await run_in_threadpool(_templates, runtime_of(request).db, agent)
    error = request.query_params.get("error")
    return Page(request, agent).render(
        "templates.html", error=error if error in ("validation_error", "conflict") else None, **data
    )


@router.post("/ui/templates")
async def template_create(
    request: Request,
    brand_id: int = Form(...),
    name: str = Form(""),
    language: str = Form("fr"),
    body: str = Form(""),
    team_id: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    require_supervisor(agent)
    if brand_id not in agent.brand_ids:
        raise NotFound(f"brand {brand_id} not found")
    db = runtime_of(request).db

    def work() -> None:
        team: int | None = None
        if team_id.isdigit():
            with db.read() as conn:
                found = conn.execute(
                    select(t.teams.c.id).where(t.teams.c.id == int(team_id), t.teams.c.brand_id == brand_id)
                ).first()
            if found is None:
                raise NotFound(f"team {team_id} not found in this brand")
            team = int(team_id)
        create_template(
            db, brand_id=brand_id, name=name, language=language, body=body, team_id=team, actor=agent.actor
        )

    try:
        await run_in_threadpool(work)
    except NotFound:
        raise
    except ComptoirError as exc:
        return _redirect(
            request, f"/ui/templates?error={'conflict' if exc.http_status == 409 else 'validation_error'}"
        )
    return _redirect(request, "/ui/templates")


@router.post("/ui/templates/{template_id}/delete")
async def template_delete(
    request: Request, template_id: int, agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    require_supervisor(agent)
    db = runtime_of(request).db

    def work() -> None:
        rt = t.reply_templates
        with db.transaction() as tx:
            row = tx.conn.execute(
                select(rt.c.brand_id, rt.c.name).where(
                    rt.c.id == template_id, rt.c.brand_id.in_(agent.brand_ids)
                )
            ).first()
            if row is None:
                raise NotFound(f"template {template_id} not found")
            tx.conn.execute(delete(rt).where(rt.c.id == template_id))
            audit.record(
                tx,
                brand_id=int(row.brand_id),
                actor=agent.actor,
                action="template.deleted",
                data={"template_id": template_id, "name": row.name},
            )

    await run_in_threadpool(work)
    return _redirect(request, "/ui/templates")


def _tokens(db: Database, agent: CurrentAgent) -> list[Any]:
    tk = t.api_tokens
    with db.read() as conn:
        return list(
            conn.execute(
                select(tk.c.id, tk.c.label, tk.c.brand_id, tk.c.created_at, tk.c.revoked_at)
                .where(tk.c.agent_id == agent.id, tk.c.brand_id.in_(agent.brand_ids))
                .order_by(tk.c.id.desc())
            )
        )


@router.get("/ui/tokens", response_class=HTMLResponse)
async def tokens_page(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
    tokens = await run_in_threadpool(_tokens, runtime_of(request).db, agent)
    return Page(request, agent).render("tokens.html", tokens=tokens, new_token=None)


@router.post("/ui/tokens", response_class=HTMLResponse)
async def token_create(
    request: Request,
    brand_id: int = Form(...),
    label: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> HTMLResponse:
    """A personal token for the API, shown once (only its hash is stored)."""
    if brand_id not in agent.brand_ids:
        raise NotFound(f"brand {brand_id} not found")
    db = runtime_of(request).db
    token = "cpt_" + secrets.token_urlsafe(32)

    def work() -> list[Any]:
        with db.transaction() as tx:
            tx.conn.execute(
                insert(t.api_tokens).values(
                    brand_id=brand_id,
                    token_hash=hash_token(token),
                    label=label.strip()[:200] or None,
                    agent_id=agent.id,
                    created_at=clock.now(),
                )
            )
            audit.record(
                tx, brand_id=brand_id, actor=agent.actor, action="token.created", data={"label": label[:200]}
            )
        return _tokens(db, agent)

    tokens = await run_in_threadpool(work)
    return Page(request, agent).render("tokens.html", tokens=tokens, new_token=token)


@router.post("/ui/tokens/{token_id}/revoke")
async def token_revoke(
    request: Request, token_id: int, agent: CurrentAgent = Depends(acting_agent)
) -> Response:
    db = runtime_of(request).db

    def work() -> None:
        tk = t.api_tokens
        with db.transaction() as tx:
            row = tx.conn.execute(
                select(tk.c.brand_id).where(
                    tk.c.id == token_id, tk.c.agent_id == agent.id, tk.c.brand_id.in_(agent.brand_ids)
                )
            ).first()
            if row is None:
                raise NotFound(f"token {token_id} not found")
            tx.conn.execute(
                update(tk)
                .where(tk.c.id == token_id, tk.c.revoked_at.is_(None))
                .values(revoked_at=clock.now())
            )
            audit.record(
                tx,
                brand_id=int(row.brand_id),
                actor=agent.actor,
                action="token.revoked",
                data={"token_id": token_id},
            )

    await run_in_threadpool(work)
    return _redirect(request, "/ui/tokens")
