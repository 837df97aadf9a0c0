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
from starlette.datastructures import Headers, State
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from comptoir.channels.apps import AppCache, PlatformApp
from comptoir.channels.base import WebhookConnector
from comptoir.channels.inbox import AccountDirectory, GroupCommitter
from comptoir.channels.registry import webhook_for
from comptoir.errors import BodyTooLarge, ComptoirError, ConfigurationError, NotFound
from comptoir.runtime import Runtime

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"], include_in_schema=True)


def _state(state: State) -> tuple[Runtime, AppCache, GroupCommitter]:
    try:
        return state.runtime, state.platform_apps, state.webhook_writer
    except AttributeError:
        state.platform_apps = AppCache()
        # One writer, and 1 ms for a group to gather under concurrent load: the cost of a transaction is
        # mostly per group (round trips, the commit), so larger groups cost less per webhook.
        state.webhook_writer = GroupCommitter(
            state.runtime.db, AccountDirectory(), writers=1, gather_seconds=0.001
        )
        return state.runtime, state.platform_apps, state.webhook_writer


async def _app(
    runtime: Runtime, apps: AppCache, provider: str, app_id: str
) -> tuple[WebhookConnector, PlatformApp]:
    """The provider's connector and the platform app of the URL, or NotFound (404)."""
    try:
        connector = webhook_for(provider)
    except ConfigurationError as exc:
        raise NotFound(f"no webhook provider {provider!r}") from exc
    if not app_id.isdigit():
        raise NotFound(f"platform app {app_id!r} not found")
    app = apps.fresh(int(app_id))
    if app is None:
        app = await run_in_threadpool(apps.get, runtime.db, runtime.settings, int(app_id))
    if app is None or app.platform != provider:
        raise NotFound(f"platform app {app_id} not found for {provider}")
    return connector, app


@router.get("/webhooks/{provider}/{app_id}", summary="Platform subscription check (Meta hub, X CRC)")
async def webhook_handshake(request: Request, provider: str, app_id: str) -> Response:
    runtime, apps, _ = _state(request.app.state)
    connector, app = await _app(runtime, apps, provider, app_id)
    reply = connector.handshake(dict(request.query_params), app.credentials)
    if reply.status >= 400:
        log.warning("webhook handshake refused for %s app %s (status %s)", provider, app_id, reply.status)
    if reply.media_type == "application/json":
        return JSONResponse(json.loads(reply.body), status_code=reply.status)
    return PlainTextResponse(reply.body, status_code=reply.status, media_type=reply.media_type)


async def deliver(scope: Scope, receive: Receive, provider: str, app_id: str) -> bytes:
    """POST ``/webhooks/<provider>/<app_id>``: verify, parse and store one delivery; the 200 body.

    Works on the raw ASGI scope and receive channel (no Request object: this is the hottest endpoint).
    Checks in order: provider and app (404), body size (413), signature (401) before any parsing, payload
    (400); the events are committed, with the deliveries that arrive meanwhile, before it returns.
    """
    runtime, apps, writer = _state(scope["app"].state)
    connector, app = await _app(runtime, apps, provider, app_id)
    headers = Headers(scope=scope)
    body = await _read_body(receive, headers.get("content-length"), runtime.settings.max_body_bytes)
    connector.verify(body, headers, app.credentials)  # BadSignature -> 401, before any parsing
    parsed = connector.parse(body)
    for ignored in parsed.ignored:
        log.info("webhook %s app %s: ignored %s (%s)", provider, app_id, ignored.event_type, ignored.reason)
    await writer.submit(parsed.events, app.id)  # committed (with concurrent deliveries) before the 200
    # The bytes JSONResponse renders for {"status": "ok", "events": n, "ignored": m}.
    return b'{"status":"ok","events":%d,"ignored":%d}' % (len(parsed.events), len(parsed.ignored))


async def _read_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    """The request body, refused (413) over ``limit`` bytes: declared or streamed (as read_limited_body)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"request body is over the {limit}-byte limit", details={"limit": limit})
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"request body is over the {limit}-byte limit", details={"limit": limit})
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def webhook_receive(request: Request) -> Response:
    """POST as a plain Starlette route (the same :func:`deliver`); :class:`WebhookFastPath` answers first."""
    provider = str(request.path_params["provider"])
    app_id = str(request.path_params["app_id"])
    body = await deliver(request.scope, request.receive, provider, app_id)
    return Response(body, media_type="application/json")


router.add_route("/webhooks/{provider}/{app_id}", webhook_receive, methods=["POST"], include_in_schema=False)

_OK_HEADERS = [(b"content-type", b"application/json")]


class WebhookFastPath:
    """ASGI middleware: ``POST /webhooks/<provider>/<app>`` handled before FastAPI's routing and middleware.

    :func:`deliver` on the raw scope, the 200 sent as two ASGI messages with the headers JSONResponse would
    send; ComptoirError answers the same JSON as the app's error handlers. Everything else goes down the
    normal stack. Webhooks are the highest-volume endpoint, and nothing in them needs dependency injection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            parts = scope["path"].split("/")
            if len(parts) == 4 and parts[1] == "webhooks" and parts[2] and parts[3]:
                try:
                    body = await deliver(scope, receive, parts[2], parts[3])
                except ComptoirError as exc:
                    await JSONResponse(exc.to_dict(), status_code=exc.http_status)(scope, receive, send)
                    return
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-length", b"%d" % len(body)), *_OK_HEADERS],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
