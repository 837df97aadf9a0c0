"""Web chat visitors: signed identity tokens and a per-key rate limiter (pure, no I/O)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

TOKEN_PREFIX = "v1"


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(b"comptoir-webchat-visitor:" + secret_key.encode("utf-8")).digest()


def _sign(secret_key: str, account_id: int, visitor_id: str) -> str:
    mac = hmac.new(_key(secret_key), f"{account_id}:{visitor_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode("ascii")


def new_visitor_id() -> str:
    return "wv_" + secrets.token_urlsafe(12)


def visitor_token(secret_key: str, account_id: int, visitor_id: str) -> str:
    """``v1.<visitor id>.<HMAC>``: proves the visitor id was issued by this Comptoir for this account."""
    return f"{TOKEN_PREFIX}.{visitor_id}.{_sign(secret_key, account_id, visitor_id)}"


def verify_visitor_token(secret_key: str, account_id: int, token: str | None) -> str | None:
    """The visitor id inside a valid ``token`` for ``account_id``; None when missing, forged or foreign."""
    if not token:
        return None
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1].startswith("wv_"):
        return None
    expected = _sign(secret_key, account_id, parts[1])
    if not hmac.compare_digest(expected.encode("ascii"), parts[2].encode("ascii", "replace")):
        return None
    return parts[1]


class RateLimiter:
    """At most ``limit`` hits per ``window`` seconds per key (sliding window, in memory)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Record a hit; None when allowed, else the seconds until the next hit is allowed."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(0.0, self.window - (now - hits[0]))
            hits.append(now)
            if len(self._hits) > 50_000:  # forget idle keys
                for stale in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.window]:
                    del self._hits[stale]
            return None
