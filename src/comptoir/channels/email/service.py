"""Email accounts in the running product: settings, DB watermarks, and the IMAP pollers.

* :func:`configure_email_account` stores IMAP/SMTP settings in ``accounts.settings`` (passwords
  encrypted: ``imap_password_enc``, ``smtp_password_enc``).
* :class:`DbWatermarkStore` keeps the IMAP watermark (UIDVALIDITY + last UID) in the ``cursors`` table,
  key ``imap:<account id>:<mailbox>``.
* :func:`store_fetched_email` parses one fetched message and stores it through
  :func:`comptoir.channels.inbox.record_events`: inbound mail is ingested (idempotent on the Message-ID);
  mail from the account's own address is an echo (the copy of a reply we sent: reconciled, not stored
  twice; one written from another client: stored as outbound).
* :func:`poll_account_once` / :func:`run_pollers` run :class:`~comptoir.channels.email.imap.ImapPoller`
  for one or every configured email account (``comptoir email poll``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from comptoir import clock
from comptoir.channels.apps import decrypt_settings
from comptoir.channels.base import EchoEvent, MessageEvent
from comptoir.channels.email.imap import FetchedEmail, ImapConfig, ImapPoller, Security, Watermark
from comptoir.channels.email.inbound import to_inbound_message
from comptoir.channels.email.parse import parse_email
from comptoir.channels.inbox import RecordSummary, record_events
from comptoir.domain.enums import Direction, Platform
from comptoir.errors import AccountNotFound, ValidationFailed
from comptoir.runtime import Runtime
from comptoir.secrets import encrypt
from comptoir.store import tables as t
from comptoir.store.db import Database

log = logging.getLogger(__name__)

PLAIN_KEYS = (
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_mailbox",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "from_name",
    "domain",
    "poll_interval",
)
SECRET_KEYS = ("imap_password", "smtp_password")


def configure_email_account(runtime: Runtime, account_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Merge ``values`` into the email account's settings; returns the settings without secrets."""
    a = t.accounts
    unknown = set(values) - set(PLAIN_KEYS) - set(SECRET_KEYS)
    if unknown:
        raise ValidationFailed(f"unknown email settings: {', '.join(sorted(unknown))}")
    for key in ("imap_security", "smtp_security"):
        if values.get(key) not in (None, "ssl", "starttls", "none"):
            raise ValidationFailed(f"{key} must be ssl, starttls or none", details={"field": key})
    with runtime.db.transaction() as tx:
        row = tx.conn.execute(select(a.c.platform, a.c.settings).where(a.c.id == account_id)).first()
        if row is None or row.platform != Platform.EMAIL.value:
            raise AccountNotFound(f"email account {account_id} not found")
        stored = dict(row.settings or {})
        for key, value in values.items():
            if value is None:
                continue
            if key in SECRET_KEYS:
                stored[f"{key}_enc"] = encrypt(str(value), runtime.settings)
            else:
                stored[key] = value
        tx.conn.execute(update(a).where(a.c.id == account_id).values(settings=stored))
    return {key: value for key, value in stored.items() if not key.endswith("_enc")}


class DbWatermarkStore:
    """The IMAP watermark in ``cursors`` (one row per account and mailbox)."""

    def __init__(self, db: Database, key: str) -> None:
        self.db = db
        self.key = key

    def load(self) -> Watermark | None:
        with self.db.read() as conn:
            value = conn.execute(
                select(t.cursors.c.value).where(t.cursors.c.key == self.key)
            ).scalar_one_or_none()
        if not isinstance(value, dict):
            return None
        return Watermark(uidvalidity=int(value["uidvalidity"]), last_uid=int(value["last_uid"]))

    def save(self, watermark: Watermark) -> None:
        value = {"uidvalidity": watermark.uidvalidity, "last_uid": watermark.last_uid}
        with self.db.transaction() as tx:
            insert_fn = postgresql.insert if tx.conn.dialect.name == "postgresql" else sqlite.insert
            statement = insert_fn(t.cursors).values(key=self.key, value=value, updated_at=clock.now())
            tx.conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["key"], set_={"value": value, "updated_at": clock.now()}
                )
            )


def _account(runtime: Runtime, account_id: int) -> Any:
    a = t.accounts
    with runtime.db.read() as conn:
        row = conn.execute(
            select(a).where(a.c.id == account_id, a.c.platform == Platform.EMAIL.value)
        ).first()
    if row is None:
        raise AccountNotFound(f"email account {account_id} not found")
    return row


def imap_config(account: Any, runtime: Runtime) -> ImapConfig:
    settings = decrypt_settings(account.settings or {}, runtime.settings)
    if not settings.get("imap_host"):
        raise ValidationFailed(f"email account {account.id} has no IMAP server (comptoir email configure)")
    return ImapConfig(
        host=str(settings["imap_host"]),
        port=int(settings.get("imap_port") or 993),
        username=str(settings.get("imap_username") or account.external_id),
        password=settings.get("imap_password"),
        security=cast(Security, settings.get("imap_security") or "ssl"),
        mailbox=str(settings.get("imap_mailbox") or "INBOX"),
        poll_interval=float(settings.get("poll_interval") or 60.0),
    )


def store_fetched_email(runtime: Runtime, account: Any, raw: bytes) -> RecordSummary:
    """Parse and store one email of ``account`` (idempotent on its Message-ID)."""
    address = str(account.external_id).lower()
    settings = account.settings or {}
    domain = str(settings.get("domain") or address.rsplit("@", 1)[-1])
    m = t.messages

    def is_known(message_id: str) -> bool:
        with runtime.db.read() as conn:
            return (
                conn.execute(
                    select(m.c.id)
                    .where(
                        m.c.account_id == account.id,
                        or_(m.c.external_id == message_id, m.c.provider_id == message_id),
                    )
                    .limit(1)
                ).first()
                is not None
            )

    email = parse_email(raw)
    message = to_inbound_message(
        email, account_id=0, is_known=is_known, own_addresses=(address,), own_domains=(domain,)
    )
    event: MessageEvent | EchoEvent
    if message.direction == Direction.OUTBOUND:
        event = EchoEvent(Platform.EMAIL, account.external_id, message)
    else:
        event = MessageEvent(Platform.EMAIL, account.external_id, message)
    return record_events(runtime.db, [event])


def watermark_store(runtime: Runtime, account: Any, config: ImapConfig) -> DbWatermarkStore:
    return DbWatermarkStore(runtime.db, f"imap:{account.id}:{config.mailbox}")


def _callback(runtime: Runtime, account: Any) -> Callable[[FetchedEmail], None]:
    def accept(fetched: FetchedEmail) -> None:
        summary = store_fetched_email(runtime, account, fetched.raw)
        log.info("email account %s: UID %s stored %s", account.id, fetched.uid, summary.as_dict())

    return accept


def poll_account_once(runtime: Runtime, account_id: int, *, from_now: bool = False) -> int:
    """Fetch the new mail of one account once; ``from_now`` first skips everything already there."""
    account = _account(runtime, account_id)
    config = imap_config(account, runtime)
    with ImapPoller(config, watermark_store(runtime, account, config), _callback(runtime, account)) as poller:
        if from_now:
            poller.skip_to_end()
            return 0
        return poller.poll_once()


def email_account_ids(runtime: Runtime) -> list[int]:
    a = t.accounts
    with runtime.db.read() as conn:
        rows = conn.execute(select(a.c.id, a.c.settings).where(a.c.platform == Platform.EMAIL.value)).all()
    return [int(r.id) for r in rows if (r.settings or {}).get("imap_host")]


def run_pollers(
    runtime: Runtime, stop: threading.Event, account_ids: list[int] | None = None
) -> list[threading.Thread]:
    """One thread per email account: IDLE where the server supports it, polling otherwise, until ``stop``."""
    threads = []
    for account_id in account_ids or email_account_ids(runtime):
        account = _account(runtime, account_id)
        config = imap_config(account, runtime)
        poller = ImapPoller(config, watermark_store(runtime, account, config), _callback(runtime, account))
        thread = threading.Thread(
            target=poller.run, args=(stop,), name=f"comptoir-imap-{account_id}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads
