"""A tiny ingestion stub on loopback (uvicorn in a thread) that records what it receives.

Behaviour by external id: ids in ``fail_first`` get that many 500 responses before being accepted; ids
starting with ``bad`` get a 422; an id seen (accepted) before gets 200 "duplicate"; anything else gets
202 "accepted".
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass
class Received:
    path: str
    authorization: str | None
    body: Any


@dataclass
class StubIngestion:
    fail_first: dict[str, int] = field(default_factory=dict)
    fail_batches_first: int = 0
    requests: list[Received] = field(default_factory=list)
    stored: dict[tuple[str, str], int] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _one(self, path: str, message: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        external_id = str(message["external_id"])
        self.attempts[external_id] += 1
        if self.attempts[external_id] <= self.fail_first.get(external_id, 0):
            return 500, {"error": {"code": "internal_error", "message": "stub failure"}}
        if external_id.startswith("bad"):
            return 422, {"error": {"code": "validation_error", "message": f"{external_id} rejected"}}
        key = (path, external_id)
        if key in self.stored:
            return 200, {"id": self.stored[key], "status": "duplicate"}
        self.stored[key] = len(self.stored) + 1
        return 202, {"id": self.stored[key], "status": "accepted"}

    def handle(self, path: str, authorization: str | None, body: Any) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append(Received(path, authorization, body))
            if authorization != "Bearer secret":
                return 401, {"error": {"code": "unauthenticated", "message": "bad token"}}
            if isinstance(body, list):
                if self.fail_batches_first > 0:
                    self.fail_batches_first -= 1
                    return 503, {"error": {"code": "internal_error", "message": "busy"}}
                results = []
                for message in body:
                    _, answer = self._one(path, message)
                    results.append({"external_id": message["external_id"], **answer})
                any_new = any(result.get("status") == "accepted" for result in results)
                return (202 if any_new else 200), {"results": results}
            return self._one(path, body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        chunks = []
        while True:
            event = await receive()
            chunks.append(event.get("body", b""))
            if not event.get("more_body"):
                break
        headers = {key.decode(): value.decode() for key, value in scope["headers"]}
        body = json.loads(b"".join(chunks))
        status, answer = self.handle(scope["path"], headers.get("authorization"), body)
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def messages(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for request in self.requests:
            out.extend(request.body if isinstance(request.body, list) else [request.body])
        return out


class StubServer:
    """Run an ASGI app with uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: StubIngestion) -> None:
        self.app = app
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> StubServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("stub server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
