"""Helpers for the channel tests: fixtures on disk, and a minimal Comptoir-side receiver.

The receiver is a real ASGI app that answers webhooks exactly as the web app must: GET handshake through
the provider's connector, POST verified over the raw body then parsed; it records what it accepted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from comptoir.channels.base import AppCredentials, ChannelEvent, IgnoredEvent
from comptoir.channels.registry import webhook_for
from comptoir.errors import ComptoirError
from comptoir.simulators.common import serving

CHANNELS = Path(__file__).resolve().parents[2] / "src" / "comptoir" / "channels"


def fixture_bytes(provider: str, name: str) -> bytes:
    return (CHANNELS / provider / "fixtures" / f"{name}.json").read_bytes()


def fixture_names(provider: str) -> list[str]:
    return sorted(path.stem for path in (CHANNELS / provider / "fixtures").glob("*.json"))


@dataclass
class Receiver:
    apps: dict[str, AppCredentials]
    events: list[ChannelEvent] = field(default_factory=list)
    ignored: list[IgnoredEvent] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    fail_next: int = 0
    posts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def webhook(request: Request) -> Response:
            provider = request.path_params["provider"]
            app = self.apps[request.path_params["app"]]
            connector = webhook_for(provider)
            if request.method == "GET":
                reply = connector.handshake(dict(request.query_params), app)
                if reply.media_type == "application/json":
                    return JSONResponse(json.loads(reply.body), status_code=reply.status)
                return PlainTextResponse(reply.body, status_code=reply.status)
            body = await request.body()
            with self.lock:
                self.posts += 1
                if self.fail_next > 0:
                    self.fail_next -= 1
                    return JSONResponse({"error": "down"}, status_code=500)
            try:
                connector.verify(body, request.headers, app)
                parsed = connector.parse(body)
            except ComptoirError as error:
                with self.lock:
                    self.rejected.append(error.http_status)
                return JSONResponse(error.to_dict(), status_code=error.http_status)
            with self.lock:
                self.events.extend(parsed.events)
                self.ignored.extend(parsed.ignored)
            return JSONResponse({"ok": True})

        return Starlette(routes=[Route("/webhooks/{provider}/{app}", webhook, methods=["GET", "POST"])])


@contextmanager
def running_receiver(apps: dict[str, AppCredentials]) -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver(apps)
    with serving(receiver.app()) as url:
        yield receiver, url


def external_ids(events: list[Any]) -> list[str]:
    return [event.message.external_id for event in events if hasattr(event, "message")]
