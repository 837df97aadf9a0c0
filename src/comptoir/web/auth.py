"""Bearer-token authentication for the API: a token belongs to one brand."""

from __future__ import annotations

import threading
import time

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from comptoir.actions.admin import brand_for_token
from comptoir.errors import Unauthenticated
from comptoir.runtime import Runtime

_CACHE_SECONDS = 30.0


class TokenCache:
    """Remembers token → brand for a few seconds so the hot ingestion path does not hit the database."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> int | None:
        with self._lock:
            entry = self._entries.get(token)
        if entry and entry[1] > time.monotonic():
            return entry[0]
        return None

    def clear(self) -> None:
        """Forget every token (after tokens were revoked: they are refused at once in this process)."""
        with self._lock:
            self._entries.clear()

    def put(self, token: str, brand_id: int) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[token] = (brand_id, time.monotonic() + _CACHE_SECONDS)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def brand_id_from_bearer(request: Request) -> int:
    """FastAPI dependency: the brand of the ``Authorization: Bearer`` token, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token: send 'Authorization: Bearer <token>'")
    token = token.strip()
    cache: TokenCache = request.app.state.token_cache
    brand_id = cache.get(token)
    if brand_id is None:
        brand_id = await run_in_threadpool(brand_for_token, runtime_of(request).db, token)
        if brand_id is None:
            raise Unauthenticated("invalid or revoked token")
        cache.put(token, brand_id)
    return brand_id
