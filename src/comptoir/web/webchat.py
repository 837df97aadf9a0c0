"""Web chat: the embeddable widget and its endpoints (``/webchat/{account_id}/…``).

* ``GET widget.js``: the script a brand puts on its site (``<script src=…/webchat/<id>/widget.js async>``);
* ``GET status``: open or closed (the account's or brand's business calendar; open without one), and the
  visitor's signed token (issued on first contact);
* ``POST messages``: ``{"text", "email"?, "name"?, "client_id"?}`` from the visitor, ingested like any
  channel (idempotent on ``client_id``); when the brand is closed an email address is required (the
  offline form);
* ``GET stream``: Server-Sent Events, one ``reply`` event per agent reply delivered to this visitor
  (``id`` = message id; resumes after ``Last-Event-ID`` or ``?after=``).

The visitor's identity is a token signed with ``COMPTOIR_SECRET_KEY`` (HMAC), carried in an HttpOnly
cookie and, for sites that block third-party cookies, in the ``X-Comptoir-Visitor`` header (or the
``visitor`` query parameter for EventSource). Posting is rate-limited per visitor and per IP address.
The widget inserts every text with ``textContent`` (never HTML), so a message cannot inject a script.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from functools import lru_cache
from importlib.resources import files
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from comptoir import clock
from comptoir.actions.ingest import ingest
from comptoir.actions.sla import calendar_for
from comptoir.channels.webchat.visitors import (
    RateLimiter,
    new_visitor_id,
    verify_visitor_token,
    visitor_token,
)
from comptoir.domain.enums import DeliveryStatus, Direction, Platform, Visibility
from comptoir.domain.models import Author, InboundMessage
from comptoir.errors import (
    AccountNotFound,
    ComptoirError,
    ErrorCode,
    InvalidJson,
    Unauthenticated,
    ValidationFailed,
)
from comptoir.runtime import Runtime
from comptoir.sla.calendar import business_clock
from comptoir.store import tables as t
from comptoir.web.api.ingest import read_limited_body

router = APIRouter(tags=["webchat"])

MAX_TEXT = 2000
MAX_BODY = 8 * 1024
POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
VISITOR_HEADER = "x-comptoir-visitor"


class TooManyRequests(ComptoirError):
    code = ErrorCode.RATE_LIMITED
    http_status = 429


def _state(request: Request) -> tuple[Runtime, RateLimiter, RateLimiter]:
    state = request.app.state
    if not hasattr(state, "webchat_visitor_limit"):
        state.webchat_visitor_limit = RateLimiter(limit=10, window=60.0)
        state.webchat_ip_limit = RateLimiter(limit=60, window=60.0)
    return state.runtime, state.webchat_visitor_limit, state.webchat_ip_limit


def _cookie(account_id: int) -> str:
    return f"comptoir_wc_{account_id}"


def _load_account(runtime: Runtime, account_id: int) -> Any:
    a = t.accounts
    with runtime.db.read() as conn:
        row = conn.execute(
            select(a.c.id, a.c.brand_id, a.c.handle, a.c.settings).where(
                a.c.id == account_id, a.c.platform == Platform.WEBCHAT.value, a.c.archived_at.is_(None)
            )
        ).first()
        if row is None:
            raise AccountNotFound(f"web chat {account_id} not found")
        calendar = calendar_for(conn, row.brand_id, row.id)
    is_open = True if calendar is None else business_clock(calendar).is_open(clock.now())
    return row, is_open


def _visitor(request: Request, runtime: Runtime, account_id: int) -> str | None:
    secret = runtime.settings.secret_key
    for candidate in (
        request.headers.get(VISITOR_HEADER),
        request.query_params.get("visitor"),
        request.cookies.get(_cookie(account_id)),
    ):
        visitor = verify_visitor_token(secret, account_id, candidate)
        if visitor:
            return visitor
    return None


def _cors(request: Request, response: Response, settings: dict[str, Any] | None = None) -> Response:
    origin = request.headers.get("origin")
    allowed = (settings or {}).get("allowed_origins") or []
    if origin and (not allowed or origin in allowed):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
    return response


def _with_identity(
    request: Request, response: Response, runtime: Runtime, account_id: int, visitor: str
) -> Response:
    token = visitor_token(runtime.settings.secret_key, account_id, visitor)
    secure = request.url.scheme == "https"
    response.set_cookie(
        _cookie(account_id),
        token,
        max_age=180 * 24 * 3600,
        httponly=True,
        secure=secure,
        samesite="none" if secure else "lax",
    )
    return response


@lru_cache(maxsize=1)
def _widget_source() -> str:
    return files("comptoir.channels.webchat").joinpath("widget.js").read_text(encoding="utf-8")


@router.get("/webchat/{account_id}/widget.js", summary="The embeddable web chat script")
async def widget(request: Request, account_id: int) -> Response:
    runtime, _, _ = _state(request)
    row, _ = await run_in_threadpool(_load_account, runtime, account_id)
    config = {"base": str(request.base_url).rstrip("/"), "account": account_id, "title": row.handle}
    # JSON inside a script: escape "<" so no "</script>" or HTML comment can close the block.
    literal = json.dumps(config).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    body = _widget_source().replace("__COMPTOIR_CONFIG__", literal)
    return Response(
        body,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.options("/webchat/{account_id}/{path:path}", include_in_schema=False)
async def preflight(request: Request, account_id: int, path: str) -> Response:
    response = Response(status_code=204)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, X-Comptoir-Visitor, Last-Event-ID"
    response.headers["Access-Control-Max-Age"] = "600"
    return _cors(request, response)


@router.get("/webchat/{account_id}/status", summary="Open or closed, and the visitor's token")
async def status(request: Request, account_id: int) -> Response:
    runtime, _, _ = _state(request)
    row, is_open = await run_in_threadpool(_load_account, runtime, account_id)
    visitor = _visitor(request, runtime, account_id) or new_visitor_id()
    token = visitor_token(runtime.settings.secret_key, account_id, visitor)
    response = JSONResponse({"open": is_open, "title": row.handle, "visitor_token": token})
    return _cors(request, _with_identity(request, response, runtime, account_id, visitor), row.settings)


def _parse(body: bytes, is_open: bool) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson("body is not JSON") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("body must be a JSON object")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed("a message needs text", details={"field": "text"})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"messages are limited to {MAX_TEXT} characters", details={"field": "text"})
    email = data.get("email")
    if email is not None and (not isinstance(email, str) or not EMAIL.match(email) or len(email) > 320):
        raise ValidationFailed("this email address is not valid", details={"field": "email"})
    if not is_open and not email:
        raise ValidationFailed(
            "we are closed: leave your email address and we will answer when we open",
            details={"field": "email", "reason": "offline"},
        )
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 200):
        raise ValidationFailed("name must be a short string", details={"field": "name"})
    client_id = data.get("client_id")
    if client_id is not None and (
        not isinstance(client_id, str) or not re.fullmatch(r"[\w.-]{1,80}", client_id)
    ):
        raise ValidationFailed(
            "client_id must be 1-80 letters, digits, dots or dashes", details={"field": "client_id"}
        )
    return {"text": text, "email": email, "name": name, "client_id": client_id}


@router.post("/webchat/{account_id}/messages", summary="A visitor's message")
async def post_message(request: Request, account_id: int) -> Response:
    runtime, per_visitor, per_ip = _state(request)
    row, is_open = await run_in_threadpool(_load_account, runtime, account_id)
    visitor = _visitor(request, runtime, account_id) or new_visitor_id()
    ip = request.client.host if request.client else "unknown"
    for limiter, key in ((per_ip, f"{account_id}:{ip}"), (per_visitor, f"{account_id}:{visitor}")):
        wait = limiter.hit(key)
        if wait is not None:
            error = TooManyRequests(
                "too many messages: wait a moment", details={"retry_after_seconds": round(wait, 1)}
            )
            response = JSONResponse(
                error.to_dict(), status_code=429, headers={"Retry-After": str(int(wait) + 1)}
            )
            return _cors(request, response, row.settings)
    data = _parse(await read_limited_body(request, MAX_BODY), is_open)
    message = InboundMessage(
        account_id=account_id,
        external_id=f"wc:{visitor}:{data['client_id'] or uuid.uuid4().hex}",
        author=Author(external_id=visitor, handle=data["email"], name=data["name"]),
        text=data["text"],
        sent_at=clock.now(),
        visibility=Visibility.PRIVATE,
        raw={
            "source": "webchat",
            "email": data["email"],
            "offline": not is_open,
            "page": request.headers.get("referer"),
            "user_agent": request.headers.get("user-agent"),
        },
    )
    [outcome] = await run_in_threadpool(ingest, runtime.db, [message])
    body = {
        "id": outcome.message_id,
        "status": "duplicate" if outcome.duplicate else "accepted",
        "open": is_open,
        "visitor_token": visitor_token(runtime.settings.secret_key, account_id, visitor),
    }
    response = JSONResponse(body, status_code=200 if outcome.duplicate else 202)
    return _cors(request, _with_identity(request, response, runtime, account_id, visitor), row.settings)


def _replies(runtime: Runtime, account_id: int, visitor: str, after: int) -> list[dict[str, Any]]:
    m, c, k = t.messages, t.conversations, t.contacts
    with runtime.db.read() as conn:
        rows = conn.execute(
            select(m.c.id, m.c.text, m.c.sent_at)
            .join(c, c.c.id == m.c.conversation_id)
            .join(k, k.c.id == c.c.contact_id)
            .where(
                c.c.account_id == account_id,
                k.c.platform == Platform.WEBCHAT.value,
                k.c.external_id == visitor,
                m.c.direction == Direction.OUTBOUND.value,
                m.c.delivery_status == DeliveryStatus.SENT.value,
                m.c.id > after,
            )
            .order_by(m.c.id)
            .limit(100)
        ).all()
    return [{"id": int(r.id), "text": r.text, "sent_at": clock.isoformat_z(r.sent_at)} for r in rows]


@router.get("/webchat/{account_id}/stream", summary="Server-Sent Events: the agent's replies")
async def stream(request: Request, account_id: int) -> Response:
    runtime, _, _ = _state(request)
    row, _ = await run_in_threadpool(_load_account, runtime, account_id)
    visitor = _visitor(request, runtime, account_id)
    if visitor is None:
        raise Unauthenticated("no web chat visitor: call /status or post a message first")
    start = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
    after = int(start) if start.isdigit() else 0

    async def events() -> Any:
        nonlocal after
        yield "retry: 2000\n\n"
        idle = 0.0
        while not await request.is_disconnected():
            replies = await run_in_threadpool(_replies, runtime, account_id, visitor, after)
            for reply in replies:
                after = reply["id"]
                yield f"event: reply\nid: {reply['id']}\ndata: {json.dumps(reply)}\n\n"
            if replies:
                idle = 0.0
            else:
                idle += POLL_SECONDS
                if idle >= KEEPALIVE_SECONDS:
                    idle = 0.0
                    yield ": keep-alive\n\n"
            await asyncio.sleep(POLL_SECONDS)

    response = StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
    return _cors(request, response, row.settings)
