"""Platform apps and the credentials of connected accounts (secrets decrypted only here, never logged).

A *platform app* is what the brand registered on the platform's developer site: for Meta the app secret
(signs webhooks) and the verify token (subscription handshake); for X the consumer key and secret (CRC
and webhook signatures). Its id is the ``<app>`` of ``/webhooks/<provider>/<app>``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from comptoir import clock
from comptoir.channels.base import AccountCredentials, AppCredentials
from comptoir.domain.enums import Platform
from comptoir.errors import NotFound, ValidationFailed
from comptoir.secrets import decrypt, decrypt_json, encrypt_json
from comptoir.settings import Settings
from comptoir.store import tables as t
from comptoir.store.db import Database

#: The webhook provider of each platform whose accounts belong to a platform app.
PROVIDER_OF: dict[Platform, str] = {
    Platform.FACEBOOK: "meta",
    Platform.INSTAGRAM: "meta",
    Platform.X: "x",
}
#: Secrets each provider's app must hold (CLI option names without dashes).
REQUIRED_SECRETS: dict[str, tuple[str, ...]] = {
    "meta": ("app_secret", "verify_token"),
    "x": ("consumer_key", "consumer_secret"),
}
#: Which stored secret signs the provider's webhooks.
SIGNING_SECRET: dict[str, str] = {"meta": "app_secret", "x": "consumer_secret"}


@dataclass(frozen=True, slots=True)
class PlatformApp:
    id: int
    platform: str  # the provider: "meta" or "x"
    name: str
    credentials: AppCredentials


def webhook_path(provider: str, app_id: int) -> str:
    return f"/webhooks/{provider}/{app_id}"


def create_platform_app(
    db: Database, settings: Settings, *, platform: str, name: str, secrets: dict[str, str]
) -> dict[str, Any]:
    """Store a platform app with its secrets encrypted; returns {"id", "webhook_path"}."""
    required = REQUIRED_SECRETS.get(platform)
    if required is None:
        raise ValidationFailed(f"unknown platform {platform!r}: use meta or x", details={"field": "platform"})
    missing = [key for key in required if not secrets.get(key)]
    if missing:
        raise ValidationFailed(
            f"a {platform} app needs {', '.join('--' + m.replace('_', '-') for m in missing)}",
            details={"missing": missing},
        )
    if not name.strip():
        raise ValidationFailed("a platform app needs a name", details={"field": "name"})
    stored = {key: secrets[key] for key in required}
    with db.transaction() as tx:
        app_id = int(
            tx.conn.execute(
                insert(t.platform_apps).values(
                    platform=platform,
                    name=name.strip(),
                    secrets_enc=encrypt_json(stored, settings),
                    created_at=clock.now(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
    return {"id": app_id, "webhook_path": webhook_path(platform, app_id)}


def _load_app(db: Database, settings: Settings, app_id: int) -> PlatformApp | None:
    with db.read() as conn:
        row = conn.execute(select(t.platform_apps).where(t.platform_apps.c.id == app_id)).first()
    if row is None:
        return None
    secrets = decrypt_json(row.secrets_enc, settings)
    signing = secrets.get(SIGNING_SECRET.get(row.platform, ""), "")
    return PlatformApp(
        id=int(row.id),
        platform=row.platform,
        name=row.name,
        credentials=AppCredentials(secret=signing, verify_token=secrets.get("verify_token")),
    )


class AppCache:
    """Platform apps by id, decrypted once and kept ``ttl`` seconds (webhooks arrive by the thousand)."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._items: dict[int, tuple[float, PlatformApp | None]] = {}
        self._lock = threading.Lock()

    def fresh(self, app_id: int) -> PlatformApp | None:
        """The cached app when known and fresh (no I/O: callable from the event loop)."""
        with self._lock:
            cached = self._items.get(app_id)
        if cached is not None and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        return None

    def get(self, db: Database, settings: Settings, app_id: int) -> PlatformApp | None:
        now = time.monotonic()
        with self._lock:
            cached = self._items.get(app_id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        app = _load_app(db, settings, app_id)
        with self._lock:
            self._items[app_id] = (now, app)
        return app


def require_app_for(db: Database, settings: Settings, app_id: int, platform: Platform) -> None:
    """``account create --app``: the app exists and serves the account's platform."""
    app = _load_app(db, settings, app_id)
    if app is None:
        raise NotFound(f"platform app {app_id} does not exist")
    expected = PROVIDER_OF.get(platform)
    if expected != app.platform:
        raise ValidationFailed(
            f"platform app {app_id} is a {app.platform} app; a {platform.value} account needs "
            f"{expected or 'no'} app",
            details={"field": "app"},
        )


def account_credentials(row: Any, settings: Settings) -> AccountCredentials:
    """The sending credentials of an ``accounts`` row joined with its app (``app_secrets_enc`` may be None).

    ``settings`` of the account (decrypted secrets included, keys ending in ``_enc`` decrypted without the
    suffix) travel in ``AccountCredentials.settings`` for the connectors that need more than a token
    (email: SMTP server; API: callback URL and secret).
    """
    token = decrypt(row.access_token_enc, settings) if row.access_token_enc else ""
    app_secret: str | None = None
    if getattr(row, "app_secrets_enc", None):
        secrets = decrypt_json(row.app_secrets_enc, settings)
        app_secret = secrets.get("app_secret")
    account_settings = decrypt_settings(row.settings or {}, settings)
    if row.callback_url:
        account_settings["callback_url"] = row.callback_url
    if row.callback_secret:
        account_settings["callback_secret"] = row.callback_secret
    return AccountCredentials(
        external_id=row.external_id,
        access_token=token,
        app_secret=app_secret,
        human_agent=bool(account_settings.get("human_agent", False)),
        settings=account_settings,
    )


def decrypt_settings(stored: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Account settings with every ``<name>_enc`` value decrypted into ``<name>``."""
    out: dict[str, Any] = {}
    for key, value in stored.items():
        if key.endswith("_enc") and isinstance(value, str):
            out[key[: -len("_enc")]] = decrypt(value, settings)
        else:
            out[key] = value
    return out
