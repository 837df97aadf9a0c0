"""Platform apps and the credentials of connected accounts (secrets decrypted only here, never logged).

A *platform app* is what the brand registered on the platform's developer site: for Meta the app secret
(signs webhooks) and the verify token (subscription handshake); for X the consumer key and secret (CRC
and webhook signatures). Its id is the ``<app>`` of ``/webhooks/<provider>/<app>``.

An app belongs to one brand (``platform_apps.brand_id``: created, edited and deleted from that brand's
administration screens, usable by that brand's accounts) or, without a brand, is shared: created with
``comptoir platform-app create`` without ``--brand``, usable by every brand, managed from the command line.
Secrets never leave this module in clear except to the connectors: listings say whether each one is set and,
for a long secret, its last four characters.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from comptoir import clock
from comptoir.channels.base import AccountCredentials, AppCredentials
from comptoir.domain.enums import Platform
from comptoir.errors import Conflict, NotFound, ValidationFailed
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
#: A secret shorter than this is only said to be set (its last characters would give too much of it away).
HINT_MIN_LENGTH = 12


@dataclass(frozen=True, slots=True)
class PlatformApp:
    id: int
    platform: str  # the provider: "meta" or "x"
    name: str
    credentials: AppCredentials


def webhook_path(provider: str, app_id: int) -> str:
    return f"/webhooks/{provider}/{app_id}"


def _missing(platform: str, secrets: dict[str, str]) -> list[str]:
    required = REQUIRED_SECRETS.get(platform)
    if required is None:
        raise ValidationFailed(f"unknown platform {platform!r}: use meta or x", details={"field": "platform"})
    return [key for key in required if not secrets.get(key)]


def create_platform_app(
    db: Database,
    settings: Settings,
    *,
    platform: str,
    name: str,
    secrets: dict[str, str],
    brand_id: int | None = None,
    actor: str = "cli",
) -> dict[str, Any]:
    """Store a platform app with its secrets encrypted; returns {"id", "webhook_path"}.

    ``brand_id``: the brand that manages it (audited there as ``platform_app.created``); None: a shared app."""
    missing = _missing(platform, secrets)
    if missing:
        raise ValidationFailed(
            f"a {platform} app needs {', '.join('--' + m.replace('_', '-') for m in missing)}",
            details={"missing": missing},
        )
    if not name.strip():
        raise ValidationFailed("a platform app needs a name", details={"field": "name"})
    stored = {key: secrets[key] for key in REQUIRED_SECRETS[platform]}
    with db.transaction() as tx:
        if brand_id is not None:
            from comptoir.actions.admin import require_brand

            require_brand(tx, brand_id)
        app_id = int(
            tx.conn.execute(
                insert(t.platform_apps).values(
                    brand_id=brand_id,
                    platform=platform,
                    name=name.strip(),
                    secrets_enc=encrypt_json(stored, settings),
                    created_at=clock.now(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        if brand_id is not None:
            from comptoir.actions import audit

            audit.record(
                tx,
                brand_id=brand_id,
                actor=actor,
                action="platform_app.created",
                data={"app_id": app_id, "platform": platform, "name": name.strip()},
            )
    return {"id": app_id, "webhook_path": webhook_path(platform, app_id)}


def _brand_app(tx: Any, brand_id: int, app_id: int) -> Any:
    """The app, when the brand manages it (a shared app or another brand's is NotFound)."""
    pa = t.platform_apps
    row = tx.conn.execute(select(pa).where(pa.c.id == app_id, pa.c.brand_id == brand_id)).first()
    if row is None:
        raise NotFound(f"platform app {app_id} not found in this brand")
    return row


def update_platform_app(
    db: Database,
    settings: Settings,
    brand_id: int,
    app_id: int,
    *,
    name: str,
    secrets: dict[str, str],
    actor: str = "cli",
) -> list[str]:
    """Rename the brand's app and replace the secrets given (an empty or absent secret keeps the stored one).

    Returns the names of the secrets replaced; audited ``platform_app.changed`` (names, never values)."""
    if not name.strip():
        raise ValidationFailed("a platform app needs a name", details={"field": "name"})
    with db.transaction() as tx:
        row = _brand_app(tx, brand_id, app_id)
        stored = decrypt_json(row.secrets_enc, settings)
        unknown = sorted(
            key for key, value in secrets.items() if value and key not in REQUIRED_SECRETS[row.platform]
        )
        if unknown:
            raise ValidationFailed(
                f"a {row.platform} app has no secret {unknown[0]!r}",
                details={"field": unknown[0], "allowed": list(REQUIRED_SECRETS[row.platform])},
            )
        replaced = sorted(key for key, value in secrets.items() if value and value != stored.get(key))
        merged = stored | {key: secrets[key] for key in replaced}
        tx.conn.execute(
            update(t.platform_apps)
            .where(t.platform_apps.c.id == app_id)
            .values(name=name.strip(), secrets_enc=encrypt_json(merged, settings))
        )
        from comptoir.actions import audit

        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action="platform_app.changed",
            data={
                "app_id": app_id,
                "name": {"before": row.name, "after": name.strip()},
                "secrets_replaced": replaced,
            },
        )
    return replaced


def delete_platform_app(db: Database, brand_id: int, app_id: int, *, actor: str = "cli") -> None:
    """Delete the brand's app; refused (Conflict, ``kind`` "in_use") while any account uses it."""
    a = t.accounts
    with db.transaction() as tx:
        row = _brand_app(tx, brand_id, app_id)
        users = tx.conn.execute(
            select(a.c.brand_id, a.c.handle).where(a.c.app_id == app_id).order_by(a.c.id)
        ).all()
        if users:
            mine = [str(u.handle) for u in users if u.brand_id == brand_id]
            raise Conflict(
                f"platform app {app_id} is used by {len(users)} account(s)"
                + (f" ({', '.join(mine)})" if mine else "")
                + ": give them another app, or archive or delete them, first",
                details={"kind": "in_use", "accounts": len(users)},
            )
        tx.conn.execute(delete(t.platform_apps).where(t.platform_apps.c.id == app_id))
        from comptoir.actions import audit

        audit.record(
            tx,
            brand_id=brand_id,
            actor=actor,
            action="platform_app.deleted",
            data={"app_id": app_id, "platform": row.platform, "name": row.name},
        )


def secret_hint(value: str | None) -> str | None:
    """What may be shown of a stored secret: None when unset, "" when set, "…wxyz" for a long one."""
    if not value:
        return None
    return "…" + value[-4:] if len(value) >= HINT_MIN_LENGTH else ""


def list_platform_apps(db: Database, settings: Settings, brand_id: int) -> list[dict[str, Any]]:
    """The apps a brand sees: its own (``managed``, with secret hints and how many accounts use them) and the
    shared ones (read-only, secrets only said to be set)."""
    pa, a = t.platform_apps, t.accounts
    with db.read() as conn:
        rows = conn.execute(
            select(pa)
            .where(or_(pa.c.brand_id == brand_id, pa.c.brand_id.is_(None)))
            .order_by(pa.c.brand_id.is_(None), pa.c.id)
        ).all()
        used = {
            int(r.app_id): int(r.n)
            for r in conn.execute(
                select(a.c.app_id, func.count().label("n"))
                .where(a.c.app_id.in_([r.id for r in rows]), a.c.brand_id == brand_id)
                .group_by(a.c.app_id)
            )
        }
    apps = []
    for row in rows:
        managed = row.brand_id is not None
        stored = decrypt_json(row.secrets_enc, settings)
        secrets = []
        for key in REQUIRED_SECRETS.get(row.platform, ()):
            hint = secret_hint(stored.get(key))
            secrets.append({"key": key, "set": hint is not None, "hint": (hint or "") if managed else ""})
        apps.append(
            {
                "id": int(row.id),
                "platform": row.platform,
                "name": row.name,
                "webhook": webhook_path(row.platform, int(row.id)),
                "created_at": row.created_at,
                "managed": managed,
                "secrets": secrets,
                "accounts": used.get(int(row.id), 0),
            }
        )
    return apps


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

    def forget(self, app_id: int) -> None:
        """Drop the cached app (after its secrets changed or it was deleted)."""
        with self._lock:
            self._items.pop(app_id, None)

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


def require_app_for(
    db: Database, settings: Settings, app_id: int, platform: Platform, *, brand_id: int | None = None
) -> None:
    """``account create --app``: the app exists and serves the account's platform; with ``brand_id``, it is
    also that brand's app or a shared one (another brand's app does not exist for it)."""
    app = _load_app(db, settings, app_id)
    if app is None:
        raise NotFound(f"platform app {app_id} does not exist")
    if brand_id is not None:
        with db.read() as conn:
            owner = conn.execute(
                select(t.platform_apps.c.brand_id).where(t.platform_apps.c.id == app_id)
            ).scalar()
        if owner not in (None, brand_id):
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
