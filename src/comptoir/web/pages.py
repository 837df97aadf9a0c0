"""Read-only pages until the agent workspace exists: the list of conversations of every brand."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from comptoir.actions.conversations import ConversationFilter, list_conversations
from comptoir.store import tables as t
from comptoir.web.auth import runtime_of

router = APIRouter(include_in_schema=False)
templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, sort: str = "recent") -> HTMLResponse:
    runtime = runtime_of(request)
    sort = sort if sort in {"recent", "waiting", "priority"} else "recent"

    def load() -> tuple[list[dict[str, object]], dict[int, str], dict[int, str], int]:
        with runtime.db.read() as conn:
            brands = {r.id: r.name for r in conn.execute(select(t.brands.c.id, t.brands.c.name))}
            accounts = {
                r.id: f"{r.platform}:{r.handle}"
                for r in conn.execute(select(t.accounts.c.id, t.accounts.c.platform, t.accounts.c.handle))
            }
            total = conn.execute(select(func.count()).select_from(t.messages)).scalar_one()
        rows: list[dict[str, object]] = []
        for brand_id in brands:
            rows.extend(list_conversations(runtime.db, brand_id, ConversationFilter(sort=sort, limit=200)))
        return rows, brands, accounts, int(total)

    rows, brands, accounts, total = await run_in_threadpool(load)
    html = templates.get_template("conversations.html").render(
        conversations=rows, brands=brands, accounts=accounts, total_messages=total, sort=sort
    )
    return HTMLResponse(html)


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
