"""Email end to end against the real servers: IMAP in (DB watermark), pipeline, SMTP reply, threading.

Needs the mail servers of scripts/services/mail.sh: skipped loudly without them, failed under
COMPTOIR_REQUIRE_MAIL=1 (the ``mail_servers`` fixture of tests/channels_email).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from comptoir.actions import admin
from comptoir.actions.replies import queue_reply
from comptoir.channels.email import (
    FetchedEmail,
    ImapPoller,
    MemoryWatermarkStore,
    ParsedEmail,
    build_email,
    build_reply,
    parse_email,
    send_email,
)
from comptoir.channels.email.service import DbWatermarkStore, configure_email_account, poll_account_once
from comptoir.domain.enums import Platform
from comptoir.jobs.worker import Worker
from comptoir.runtime import Runtime
from comptoir.store import tables as t
from tests.channels_email.conftest import MailServers

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def wait_poll(runtime: Runtime, account_id: int, expected: int, timeout: float = 15.0) -> None:
    got = 0
    deadline = time.monotonic() + timeout
    while got < expected:
        got += poll_account_once(runtime, account_id)
        if got >= expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"only {got} of {expected} emails arrived")
        time.sleep(0.2)


def customer_inbox(
    servers: MailServers, store: MemoryWatermarkStore, token: str, timeout: float = 15.0
) -> ParsedEmail:
    found: list[ParsedEmail] = []

    def keep(fetched: FetchedEmail) -> None:
        parsed = parse_email(fetched.raw)
        if token in parsed.subject:
            found.append(parsed)

    deadline = time.monotonic() + timeout
    while not found:
        with ImapPoller(servers.imap(servers.customer), store, keep) as poller:
            poller.poll_once()
        if time.monotonic() > deadline:
            raise AssertionError("the reply never reached the customer's mailbox")
        time.sleep(0.2)
    return found[0]


def test_email_in_reply_out_threaded(runtime: Runtime, mail_servers: MailServers, unique: str) -> None:
    servers = mail_servers
    brand = admin.create_brand(runtime.db, "Lumeo")
    account = int(
        admin.create_account(
            runtime.db, brand_id=brand, platform=Platform.EMAIL, handle=servers.care, external_id=servers.care
        )["id"]
    )
    configure_email_account(
        runtime,
        account,
        {
            "imap_host": servers.host,
            "imap_port": servers.imap_port,
            "imap_security": "none",
            "imap_password": servers.care_password,
            "smtp_host": servers.host,
            "smtp_port": servers.smtp_port,
            "smtp_security": "none",
            "smtp_username": servers.care,
            "smtp_password": servers.care_password,
            "from_name": "Lumeo Care",
        },
    )
    with runtime.db.read() as conn:
        stored = conn.execute(select(t.accounts.c.settings).where(t.accounts.c.id == account)).scalar_one()
    assert servers.care_password not in str(stored) and "imap_password_enc" in stored
    poll_account_once(runtime, account, from_now=True)  # the shared mailbox holds earlier runs' mail
    assert DbWatermarkStore(runtime.db, f"imap:{account}:INBOX").load() is not None
    customer_store = MemoryWatermarkStore()
    with ImapPoller(servers.imap(servers.customer), customer_store, lambda _f: None) as poller:
        poller.skip_to_end()

    first = build_email(
        from_address=servers.customer,
        from_name="Customer Test",
        to=[servers.care],
        subject=f"Parcel missing [{unique}]",
        text="Hello,\nmy parcel never arrived.\n",
        domain="customer.example",
    )
    first_id = send_email(servers.smtp(), first).message_id
    wait_poll(runtime, account, 1)
    assert poll_account_once(runtime, account) == 0  # the watermark moved: nothing fetched twice
    worker = Worker(runtime)
    worker.run_until_idle()
    m = t.messages
    with runtime.db.read() as conn:
        [row] = conn.execute(select(m).where(m.c.account_id == account)).all()
    assert row.external_id == first_id and row.conversation_id and row.raw["auto_reply_allowed"] is True

    reply = queue_reply(runtime.db, brand_id=brand, conversation_id=row.conversation_id, text="We're on it.")
    worker.run_until_idle()
    with runtime.db.read() as conn:
        sent = conn.execute(select(m).where(m.c.id == reply.message_id)).one()
    assert sent.delivery_status == "sent", sent.delivery_error
    ours = customer_inbox(servers, customer_store, unique)
    assert ours.message_id == sent.provider_id
    assert ours.in_reply_to == (first_id,) and first_id in ours.references
    assert ours.subject == f"Re: Parcel missing [{unique}]"
    assert "We're on it." in ours.text

    answer = build_reply(
        ours, from_address=servers.customer, text="Thanks!\n\n> We're on it.\n", domain="customer.example"
    )
    send_email(servers.smtp(), answer)
    wait_poll(runtime, account, 1)
    worker.run_until_idle()
    with runtime.db.read() as conn:
        rows = conn.execute(select(m).where(m.c.account_id == account).order_by(m.c.id)).all()
    assert len(rows) == 3
    assert rows[2].conversation_id == row.conversation_id and rows[2].in_reply_to == sent.provider_id
    assert rows[2].text.strip() == "Thanks!"


def test_automated_mail_is_flagged_for_loop_prevention(
    runtime: Runtime, mail_servers: MailServers, unique: str
) -> None:
    servers = mail_servers
    brand = admin.create_brand(runtime.db, "Lumeo")
    account = int(
        admin.create_account(
            runtime.db, brand_id=brand, platform=Platform.EMAIL, handle=servers.care, external_id=servers.care
        )["id"]
    )
    configure_email_account(
        runtime,
        account,
        {
            "imap_host": servers.host,
            "imap_port": servers.imap_port,
            "imap_security": "none",
            "imap_password": servers.care_password,
        },
    )
    poll_account_once(runtime, account, from_now=True)
    robot = build_email(
        from_address=servers.customer,
        to=[servers.care],
        subject=f"Out of office [{unique}]",
        text="I am away.",
        domain="customer.example",
        automatic=True,
    )
    send_email(servers.smtp(), robot)
    wait_poll(runtime, account, 1)
    with runtime.db.read() as conn:
        [row] = conn.execute(select(t.messages).where(t.messages.c.account_id == account)).all()
    assert row.raw["auto_reply_allowed"] is False and row.raw["auto_reply_reason"]
