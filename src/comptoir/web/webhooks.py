"""Platform webhooks: ``GET|POST /webhooks/{provider}/{app_id}`` (Meta, X; more through the registry).

GET answers the platform's subscription check (Meta ``hub.challenge``, X CRC) with the app's secrets.
POST reads the raw body (``COMPTOIR_MAX_BODY_BYTES``), **verifies the signature before parsing** (401 and
nothing stored otherwise), parses it into typed events, and stores them through
:func:`comptoir.channels.inbox.record_events` in one transaction (shared with the deliveries that arrive
meanwhile: :class:`~comptoir.channels.inbox.GroupCommitter`), then answers 200. Unsupported event
types are logged and answered 200 so the platform does not retry them.
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from comptoir.channels.apps import AppCache, PlatformApp
from comptoir.channels.inbox import AccountDirectory, GroupCommitter
from comptoir.channels.registry import webhook_for
from comptoir.errors import ComptoirError, ConfigurationError, NotFound
from comptoir.runtime import Runtime
from comptoir.web.api.ingest import read_limited_body

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"], include_in_schema=True)


def _state(request: Request) -> tuple[Runtime, AppCache, GroupCommitter]:
    state = request.app.state
    if not hasattr(state, "platform_apps"):
        state.platform_apps = AppCache()
        state.webhook_writer = GroupCommitter(state.runtime.db, AccountDirectory())
    return state.runtime, state.platform_apps, state.webhook_writer


async def _app(request: Request, provider: str, app_id: str) -> PlatformApp:
    runtime, apps, _ = _state(request)
    try:
        webhook_for(provider)
    except ConfigurationError as exc:
        raise NotFound(f"no webhook provider {provider!r}") from exc
    if not app_id.isdigit():
        raise NotFound(f"platform app {app_id!r} not found")
    app = apps.fresh(int(app_id))
    if app is None:
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


async def webhook_receive(request: Request) -> Response:
    """POST: signed platform notifications (a plain Starlette route: the hot path skips FastAPI's
    dependency resolution, as nothing here needs it)."""
    provider = str(request.path_params["provider"])
    app_id = str(request.path_params["app_id"])
    app = await _app(request, provider, app_id)
    runtime, _, writer = _state(request)
    body = await read_limited_body(request, runtime.settings.max_body_bytes)
    connector = webhook_for(provider)
    connector.verify(body, request.headers, app.credentials)  # BadSignature -> 401, before any parsing
    parsed = connector.parse(body)
    for ignored in parsed.ignored:
        log.info("webhook %s app %s: ignored %s (%s)", provider, app_id, ignored.event_type, ignored.reason)
    await writer.submit(parsed.events, app.id)  # committed (with concurrent deliveries) before the 200
    return JSONResponse({"status": "ok", "events": len(parsed.events), "ignored": len(parsed.ignored)})


router.add_route("/webhooks/{provider}/{app_id}", webhook_receive, methods=["POST"], include_in_schema=False)


class WebhookFastPath:
    """ASGI middleware: ``POST /webhooks/<provider>/<app>`` handled before FastAPI's routing and middleware.

    The same :func:`webhook_receive`, on a plain Starlette request; ComptoirError answers the same JSON as
    the app's error handlers. Everything else goes down the normal stack. Webhooks are the highest-volume
    endpoint, and nothing in them needs dependency injection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            parts = scope["path"].split("/")
            if len(parts) == 4 and parts[1] == "webhooks" and parts[2] and parts[3]:
                scope = {**scope, "path_params": {"provider": parts[2], "app_id": parts[3]}}
                request = Request(scope, receive)
                try:
                    response = await webhook_receive(request)
                except ComptoirError as exc:
                    response = JSONResponse(exc.to_dict(), status_code=exc.http_status)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
