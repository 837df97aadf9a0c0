"""X degraded mode: when webhooks are unavailable, poll ``GET /2/users/:id/mentions`` with ``since_id``.

The ``since_id`` lives in the ``cursors`` table (``x:mentions:<account id>``) and moves only after the
mentions are stored; the external ids are the tweet ids, so mentions that also arrive by webhook are
stored once (``comptoir x poll``).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from comptoir import clock
from comptoir.channels.apps import account_credentials
from comptoir.channels.inbox import RecordSummary, record_events
from comptoir.channels.outbox import register_builtin_connectors
from comptoir.channels.registry import connector_for
from comptoir.channels.x.send import XConnector
from comptoir.domain.enums import Platform
from comptoir.errors import AccountNotFound, ConfigurationError
from comptoir.runtime import Runtime
from comptoir.store import tables as t
from comptoir.store.db import Database


def cursor_key(account_id: int) -> str:
    return f"x:mentions:{account_id}"


def load_cursor(db: Database, key: str) -> Any:
    with db.read() as conn:
        return conn.execute(select(t.cursors.c.value).where(t.cursors.c.key == key)).scalar_one_or_none()


def save_cursor(db: Database, key: str, value: Any) -> None:
    with db.transaction() as tx:
        insert_fn = postgresql.insert if tx.conn.dialect.name == "postgresql" else sqlite.insert
        tx.conn.execute(
            insert_fn(t.cursors)
            .values(key=key, value=value, updated_at=clock.now())
            .on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": clock.now()})
        )


def poll_mentions_once(runtime: Runtime, account_id: int) -> RecordSummary:
    """One poll of the account's mentions since the stored ``since_id``; stores them, then moves the cursor."""
    register_builtin_connectors()
    a, p = t.accounts, t.platform_apps
    with runtime.db.read() as conn:
        row = conn.execute(
            select(a, p.c.secrets_enc.label("app_secrets_enc"))
            .outerjoin(p, p.c.id == a.c.app_id)
            .where(a.c.id == account_id, a.c.platform == Platform.X.value)
        ).first()
    if row is None:
        raise AccountNotFound(f"X account {account_id} not found")
    connector = connector_for(Platform.X)
    if not isinstance(connector, XConnector):
        raise ConfigurationError("the X connector cannot poll mentions")
    key = cursor_key(account_id)
    stored = load_cursor(runtime.db, key)
    since_id = stored.get("since_id") if isinstance(stored, dict) else None
    poll = connector.poll_mentions(account_credentials(row, runtime.settings), since_id)
    summary = record_events(runtime.db, list(poll.events))
    if poll.newest_id and poll.newest_id != since_id:
        save_cursor(runtime.db, key, {"since_id": poll.newest_id})
    return summary


def run_mentions_poller(runtime: Runtime, account_id: int, stop: threading.Event, interval: float) -> None:
    """Poll until ``stop``; a failed poll (rate limit, network) is retried at the next interval."""
    import logging

    log = logging.getLogger(__name__)
    while not stop.is_set():
        try:
            summary = poll_mentions_once(runtime, account_id)
            if summary.ingested:
                log.info("X account %s: %s new mentions by polling", account_id, summary.ingested)
        except Exception as exc:  # keep polling: X may be rate limiting or down for a while
            log.warning("X mentions poll for account %s failed: %s", account_id, exc)
        stop.wait(interval)
