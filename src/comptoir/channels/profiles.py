"""Author influence: the profile data a platform allows, fetched once per new customer, stored on the contact.

Messenger and Instagram webhooks carry only the sender's id. :func:`wanted_profiles` (called by
:func:`comptoir.channels.inbox.record_events` in the ingestion transaction) queues one
``refresh_profile`` job per customer seen without a name whose contact has none yet, for platforms whose
connector can ``fetch_profile`` (Meta: name; Instagram: username, follower count, verified flag).
:func:`refresh_profile` (the job) fetches it and updates the contact through
:func:`comptoir.actions.contacts.upsert_contact`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from sqlalchemy import select, tuple_

from comptoir.actions.contacts import upsert_contact
from comptoir.channels.apps import account_credentials
from comptoir.channels.registry import connector_for
from comptoir.domain.models import InboundMessage
from comptoir.errors import ConfigurationError
from comptoir.jobs.queue import enqueue_many
from comptoir.runtime import Runtime
from comptoir.store import tables as t
from comptoir.store.db import Tx

REFRESH_PROFILE = "refresh_profile"

_capable: dict[str, bool] = {}
_recent: OrderedDict[tuple[str, int, str], None] = OrderedDict()  # (database, account, user) queued lately
_lock = threading.Lock()


def can_fetch_profiles(platform: str) -> bool:
    with _lock:
        known = _capable.get(platform)
    if known is None:
        try:
            known = callable(getattr(connector_for(platform), "fetch_profile", None))
        except (ConfigurationError, ValueError):
            known = False
        with _lock:
            _capable[platform] = known
    return known


def wanted_profiles(tx: Tx, accounts: dict[int, tuple[int, str]], messages: Iterable[InboundMessage]) -> int:
    """Queue profile fetches for nameless authors without a named contact; ``accounts``: id -> (brand, platform)."""
    candidates: dict[tuple[int, str], tuple[int, str]] = {}
    database = str(tx.conn.engine.url)
    for message in messages:
        author = message.author
        if author.name or author.handle or not author.external_id:
            continue
        brand_id, platform = accounts[message.account_id]
        key = (message.account_id, author.external_id)
        with _lock:
            if (database, *key) in _recent:
                continue
        if can_fetch_profiles(platform):
            candidates[key] = (brand_id, platform)
    if not candidates:
        return 0
    c = t.contacts
    named = {
        (r.brand_id, r.platform, r.external_id)
        for r in tx.conn.execute(
            select(c.c.brand_id, c.c.platform, c.c.external_id).where(
                tuple_(c.c.brand_id, c.c.platform, c.c.external_id).in_(
                    [(b, p, user) for (_, user), (b, p) in candidates.items()]
                ),
                c.c.display_name.is_not(None),
            )
        )
    }
    jobs = [
        (REFRESH_PROFILE, {"account_id": account_id, "user_id": user}, f"profile:{account_id}:{user}")
        for (account_id, user), (brand_id, platform) in candidates.items()
        if (brand_id, platform, user) not in named
    ]
    enqueue_many(tx, jobs)
    with _lock:
        for account_id, user in candidates:
            _recent[(database, account_id, user)] = None
        while len(_recent) > 100_000:
            _recent.popitem(last=False)
    return len(jobs)


def refresh_profile(runtime: Runtime, account_id: int, user_id: str) -> dict[str, Any]:
    """Fetch ``user_id``'s profile with the account's token and store it on the contact."""
    a, p = t.accounts, t.platform_apps
    with runtime.db.read() as conn:
        row = conn.execute(
            select(a, p.c.secrets_enc.label("app_secrets_enc"))
            .outerjoin(p, p.c.id == a.c.app_id)
            .where(a.c.id == account_id)
        ).one()
    connector = connector_for(row.platform)
    fetch = getattr(connector, "fetch_profile", None)
    if not callable(fetch):
        return {}
    author = fetch(account_credentials(row, runtime.settings), user_id)
    data = asdict(author)
    with runtime.db.transaction() as tx:
        upsert_contact(tx, brand_id=row.brand_id, platform=row.platform, author=data)
    return data
