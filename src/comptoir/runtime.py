"""What a running Comptoir process holds: its settings and its database."""

from __future__ import annotations

from dataclasses import dataclass

from comptoir.settings import Settings, get_settings
from comptoir.store.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database


def build_runtime(settings: Settings | None = None, *, migrate: bool = True) -> Runtime:
    settings = settings or get_settings()
    db = Database(settings.effective_database_url())
    if migrate:
        from comptoir.store.migrate import upgrade

        upgrade(db)
    return Runtime(settings=settings, db=db)
