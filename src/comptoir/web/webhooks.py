"""Platform webhooks: ``GET|POST /webhooks/{provider}/{app_id}`` (Meta, X; more through the registry).

GET answers the platform's subscription check (Meta ``hub.challenge``, X CRC) with the app's secrets.
POST reads the raw body (``COMPTOIR_MAX_BODY_BYTES``), **verifies the signature before parsing** (401 and
nothing stored otherwise), parses it into typed events, and stores them through
:func:`comptoir.channels.inbox.record_events` in one transaction, then answers 200. Unsupported event
types are logged and answered 200 so the platform does not retry them.
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from comptoir.channels.apps import AppCache, PlatformApp
from comptoir.channels.inbox import AccountDirectory, record_events
from comptoir.channels.registry import webhook_for
from comptoir.errors import ConfigurationError, NotFound
from comptoir.runtime import Runtime
from comptoir.web.api.ingest import read_limited_body

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"], include_in_schema=True)


def _state(request: Request) -> tuple[Runtime, AppCache, AccountDirectory]:
    state = request.app.state
    if not hasattr(state, "platform_apps"):
        state.platform_apps = AppCache()
        state.webhook_accounts = AccountDirectory()
    return state.runtime, state.platform_apps, state.webhook_accounts


async def _app(request: Request, provider: str, app_id: str) -> PlatformApp:
    runtime, apps, _ = _state(request)
    try:
        webhook_for(provider)
    except ConfigurationError as exc:
        raise NotFound(f"no webhook provider {provider!r}") from exc
    if not app_id.isdigit():
        raise NotFound(f"platform app {app_id!r} not found")
    app = await run_in_threadpool(apps.get, runtime.db, runtime.settings, int(app_id))
    if app is None or app.platform != provider:
        raise NotFound(f"platform app {app_id} not found for {provider}")
    return app


@router.get("/webhooks/{provider}/{app_id}", summary="Platform subscription check (Meta hub, X CRC)")
async def webhook_handshake(request: Request, provider: str, app_id: str) -> Response:
    app = await _app(request, provider, app_id)
    reply = webhook_for(provider).handshake(dict(request.query_params), app.credentials)
    if reply.status >= 400:
        log.warning("webhook handshake refused for %s app %s (status %s)", provider, app_id, reply.status)
    if reply.media_type == "application/json":
        return JSONResponse(json.loads(reply.body), status_code=reply.status)
    return PlainTextResponse(reply.body, status_code=reply.status, media_type=reply.media_type)


@router.post("/webhooks/{provider}/{app_id}", summary="Signed platform notifications")
async def webhook_receive(request: Request, provider: str, app_id: str) -> Response:
    app = await _app(request, provider, app_id)
    runtime, _, directory = _state(request)
    body = await read_limited_body(request, runtime.settings.max_body_bytes)
    connector = webhook_for(provider)
    connector.verify(body, request.headers, app.credentials)  # BadSignature -> 401, before any parsing
    parsed = connector.parse(body)
    for ignored in parsed.ignored:
        log.info("webhook %s app %s: ignored %s (%s)", provider, app_id, ignored.event_type, ignored.reason)
    summary = await run_in_threadpool(
        record_events, runtime.db, parsed.events, app_id=app.id, directory=directory
    )
    return JSONResponse({"status": "ok", **summary.as_dict(), "ignored": len(parsed.ignored)})
