"""The inbox ("answer next"), its live rows, saved views, the event stream and the audit log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import insert, select
from starlette.concurrency import run_in_threadpool

from comptoir import clock
from comptoir.actions import audit
from comptoir.events import Event, bus
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.triage.types import INTENTS, SENTIMENTS, URGENCIES
from comptoir.web.ui import queries
from comptoir.web.ui.base import Page, acting_agent, current_agent, finish, require_supervisor, runtime_of
from comptoir.web.ui.people import CurrentAgent

router = APIRouter(include_in_schema=False)

#: Events forwarded to browsers (only for the agent's brands, only ids and names).
FORWARDED = {
    "message.processed",
    "message.received",
    "conversation.changed",
    "conversation.created",
    "reply.queued",
    "reply.sent",
    "reply.failed",
    "note.added",
    "presence",
}
STREAM_SECONDS = 60.0  # then the browser reconnects (and catches up): bounds a stream's life
PING_SECONDS = 10.0


def _options(db: Database, brand_ids: list[int]) -> dict[str, Any]:
    with db.read() as conn:
        accounts = conn.execute(
            select(
                t.accounts.c.id,
                t.accounts.c.platform,
                t.accounts.c.handle,
                t.accounts.c.brand_id,
                t.accounts.c.archived_at,
            )
            .where(t.accounts.c.brand_id.in_(brand_ids))
            .order_by(t.accounts.c.archived_at.is_not(None), t.accounts.c.handle)  # archived ones last
        ).all()
        teams = conn.execute(
            select(t.teams.c.id, t.teams.c.name)
            .where(t.teams.c.brand_id.in_(brand_ids))
            .order_by(t.teams.c.name)
        ).all()
        agents = conn.execute(
            select(t.agents.c.id, t.agents.c.name)
            .join(t.agent_brands, t.agent_brands.c.agent_id == t.agents.c.id)
            .where(t.agent_brands.c.brand_id.in_(brand_ids))
            .distinct()
            .order_by(t.agents.c.name)
        ).all()
    return {
        "accounts": accounts,
        "teams": teams,
        "agents": agents,
        "platforms": sorted({a.platform for a in accounts}),
        "intents": INTENTS,
        "sentiments": SENTIMENTS,
        "urgencies": URGENCIES,
        "statuses": queries.STATUSES,
    }


def _views(db: Database, agent: CurrentAgent) -> list[dict[str, Any]]:
    sv = t.saved_views
    with db.read() as conn:
        rows = conn.execute(
            select(sv)
            .where(sv.c.brand_id.in_(agent.brand_ids), (sv.c.agent_id == agent.id) | sv.c.agent_id.is_(None))
            .order_by(sv.c.name)
        ).all()
    out = []
    for row in rows:
        f = queries.InboxFilter.from_params({k: str(v) for k, v in (row.filters or {}).items()})
        out.append(
            {
                "id": row.id,
                "name": row.name,
                "query": urlencode(f.as_params()),
                "count": queries.count(db, agent.id, agent.brand_ids, f),
            }
        )
    return out


def _filter(request: Request) -> queries.InboxFilter:
    return queries.InboxFilter.from_params(dict(request.query_params))


@router.get("/", response_class=HTMLResponse)
async def inbox_page(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
    db = runtime_of(request).db
    f = _filter(request)

    def load() -> dict[str, Any]:
        queries.ensure_search(db)
        return {
            "rows": queries.inbox(db, agent.id, agent.brand_ids, f),
            "total": queries.count(db, agent.id, agent.brand_ids, f),
            "options": _options(db, agent.brand_ids),
            "views": _views(db, agent),
        }

    data = await run_in_threadpool(load)
    return Page(request, agent).render(
        "inbox.html",
        f=f,
        query=urlencode(f.as_params()),
        now=clock.now(),
        request_done="resolved" if request.query_params.get("done") == "resolved" else None,
        **data,
    )


@router.get("/ui/inbox/rows", response_class=HTMLResponse)
async def inbox_rows(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
    db = runtime_of(request).db
    f = _filter(request)

    def load() -> tuple[list[dict[str, Any]], int]:
        queries.ensure_search(db)
        return queries.inbox(db, agent.id, agent.brand_ids, f), queries.count(
            db, agent.id, agent.brand_ids, f
        )

    rows, total = await run_in_threadpool(load)
    return Page(request, agent).render("_rows.html", rows=rows, total=total, now=clock.now())


@router.post("/ui/views")
async def save_view(
    request: Request,
    name: str = Form(...),
    query: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    from urllib.parse import parse_qsl

    f = queries.InboxFilter.from_params(dict(parse_qsl(query)))
    brand_id = f.brand_id if f.brand_id in agent.brand_ids else agent.brand_ids[0]
    db = runtime_of(request).db
    name = name.strip()[:100] or "view"

    def save() -> None:
        with db.transaction() as tx:
            tx.conn.execute(
                insert(t.saved_views).values(
                    brand_id=brand_id,
                    agent_id=agent.id,
                    name=name,
                    filters=f.as_params(),
                    created_at=clock.now(),
                )
            )
            audit.record(tx, brand_id=brand_id, actor=agent.actor, action="view.saved", data={"name": name})

    await run_in_threadpool(save)
    response = RedirectResponse("/?" + urlencode(f.as_params()), status_code=303)
    finish(request, response)
    return response


def _put(queue: asyncio.Queue[Event], event: Event) -> None:
    try:
        queue.put_nowait(event)
    except asyncio.QueueFull:
        pass


@router.get("/ui/events")
async def event_stream(request: Request, agent: CurrentAgent = Depends(current_agent)) -> StreamingResponse:
    """Server-sent events for the agent's brands: what changed (ids only); pages refetch what they show."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=500)
    brands = set(agent.brand_ids)

    def on_event(event: Event) -> None:
        if event.brand_id in brands and event.kind in FORWARDED:
            try:
                loop.call_soon_threadsafe(_put, queue, event)
            except RuntimeError:
                pass

    unsubscribe = bus.subscribe(on_event)
    ping_seconds = float(getattr(request.app.state, "ui_sse_ping_seconds", PING_SECONDS))

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            deadline = loop.time() + STREAM_SECONDS
            last_write = loop.time()
            while loop.time() < deadline:
                if await request.is_disconnected():
                    break
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=min(1.0, ping_seconds))
                except TimeoutError:
                    if loop.time() - last_write >= ping_seconds:
                        last_write = loop.time()
                        yield ": ping\n\n"
                    continue
                last_write = loop.time()
                data = {
                    "conversation_id": event.data.get("conversation_id"),
                    "message_id": event.data.get("message_id"),
                }
                if event.kind == "presence":
                    data.update(
                        agent_id=event.data.get("agent_id"),
                        agent_name=str(event.data.get("agent_name", ""))[:100],
                        state=event.data.get("state"),
                    )
                yield f"event: {event.kind}\ndata: {json.dumps(data)}\n\n"
        finally:
            unsubscribe()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/ui/audit", response_class=HTMLResponse)
async def audit_log(request: Request, agent: CurrentAgent = Depends(current_agent)) -> HTMLResponse:
    require_supervisor(agent)
    db = runtime_of(request).db

    def load() -> list[Any]:
        a = t.audit_events
        with db.read() as conn:
            return list(
                conn.execute(
                    select(a).where(a.c.brand_id.in_(agent.brand_ids)).order_by(a.c.id.desc()).limit(200)
                )
            )

    events = await run_in_threadpool(load)
    return Page(request, agent).render("audit.html", events=events)
