"""Passwords (argon2), the signed session cookie, CSRF tokens and login throttling.

The session cookie is ``base64url(json).base64url(hmac_sha256)`` keyed from ``settings.secret_key``; it holds the
agent id, the CSRF token, when it was issued and the agent's session version at login (``agents.session_version``:
bumping it ends every session of the agent at their next request). It is HttpOnly, SameSite=Lax, and Secure whenever the request came
over HTTPS (or ``secure`` is forced).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

SESSION_COOKIE = "comptoir_session"
SESSION_MAX_AGE = 12 * 3600
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
#: A real hash of a random password: verifying against it when the e-mail is unknown keeps timing uniform.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always spends one argon2 verification, even without a hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"comptoir-session\x00" + secret_key.encode()).digest()

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def dumps(self, data: dict[str, Any]) -> str:
        payload = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{self._mac(payload)}"

    def loads(self, cookie: str | None, *, max_age: int = SESSION_MAX_AGE) -> dict[str, Any] | None:
        """The session data, or None when the cookie is absent, forged, malformed or expired."""
        if not cookie or "." not in cookie:
            return None
        payload, _, mac = cookie.partition(".")
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("iat"), int | float):
            return None
        if time.time() - float(data["iat"]) > max_age:
            return None
        return data


def new_session(agent_id: int | None, version: int = 0) -> dict[str, Any]:
    """A session for ``agent_id`` (None: anonymous), valid while the agent's session version is ``version``."""
    return {"a": agent_id, "c": secrets.token_urlsafe(24), "iat": int(time.time()), "v": version}


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


@dataclass
class LoginThrottle:
    """At most ``limit`` failed logins per e-mail and per client address in ``window`` seconds."""

    limit: int = 5
    window: float = 15 * 60
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [at for at in self._failures.get(key, []) if now - at < self.window]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def retry_after(self, email: str, address: str) -> int:
        """Seconds to wait before another attempt is allowed (0: go ahead)."""
        now = time.monotonic()
        with self._lock:
            wait = 0.0
            for key in (f"e:{email.lower()}", f"a:{address}"):
                recent = self._recent(key, now)
                if len(recent) >= self.limit:
                    wait = max(wait, self.window - (now - recent[-self.limit]))
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, email: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > 100_000:
                self._failures.clear()
            for key in (f"e:{email.lower()}", f"a:{address}"):
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(f"e:{email.lower()}", None)
