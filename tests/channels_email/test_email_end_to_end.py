"""End to end against real servers (Dovecot IMAP + the SMTP front of scripts/services/mail.sh).

The mailbox is shared by every run, so each test first moves a fresh watermark to the end of the
mailbox, then works with messages tagged with its own unique token.
"""

from __future__ import annotations

import imaplib
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from comptoir.channels.email import (
    FetchedEmail,
    FileWatermarkStore,
    ImapPoller,
    MemoryWatermarkStore,
    ParsedEmail,
    Watermark,
    build_email,
    build_reply,
    parse_email,
    send_email,
    should_auto_reply,
    to_inbound_message,
)
from comptoir.errors import DeliveryFailed

from .conftest import MailServers

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def catch_up(
    servers: MailServers, store: FileWatermarkStore | MemoryWatermarkStore, user: str | None = None
) -> None:
    """Move ``store`` past everything already in the mailbox (messages of earlier runs)."""
    with ImapPoller(servers.imap(user), store, lambda _fetched: None) as poller:
        watermark = poller.skip_to_end()
    assert store.load() == watermark


def send_customer_mail(
    servers: MailServers, unique: str, subject: str, body: str = "Where is my parcel?"
) -> str:
    msg = build_email(
        from_address=servers.customer,
        from_name="Customer Test",
        to=[servers.care],
        subject=f"{subject} [{unique}]",
        text=body,
        domain="customer.example",
    )
    return send_email(servers.smtp(), msg).message_id


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def poll_until(poller: ImapPoller, got: list[FetchedEmail], count: int, timeout: float = 10.0) -> None:
    def enough() -> bool:
        poller.poll_once()
        return len(got) >= count

    wait_for(enough, timeout)


def mine(got: list[FetchedEmail], unique: str) -> list[ParsedEmail]:
    return [email for email in (parse_email(f.raw) for f in got) if unique in email.subject]


def test_sent_mail_is_fetched_exactly_once_across_restarts(
    mail_servers: MailServers, unique: str, tmp_path: Path
) -> None:
    store = FileWatermarkStore(tmp_path / "watermark.json")
    catch_up(mail_servers, store)
    baseline = store.load()
    assert baseline is not None

    msgid = send_customer_mail(mail_servers, unique, "First contact")
    got: list[FetchedEmail] = []
    with ImapPoller(mail_servers.imap(), store, got.append) as poller:
        poll_until(poller, got, 1)
        assert poller.poll_once() == 0  # nothing new: not fetched twice
    assert len(got) == 1
    email = parse_email(got[0].raw)
    assert email.message_id == msgid
    assert email.subject == f"First contact [{unique}]"
    assert email.text == "Where is my parcel?"
    saved = store.load()
    assert saved is not None and saved.uidvalidity == baseline.uidvalidity and saved.last_uid == got[0].uid
    assert got[0].uid > baseline.last_uid

    # The message is flagged \Seen once handed over.
    imap = imaplib.IMAP4(mail_servers.host, mail_servers.imap_port, timeout=10)
    try:
        imap.login(mail_servers.care, mail_servers.care_password)
        imap.select("INBOX", readonly=True)
        _, flags = imap.uid("FETCH", str(got[0].uid), "(FLAGS)")
        assert b"\\Seen" in flags[0]  # type: ignore[operator]
    finally:
        imap.logout()

    # A restarted poller (new connection, same store) does not fetch it again ...
    again: list[FetchedEmail] = []
    with ImapPoller(
        mail_servers.imap(), FileWatermarkStore(tmp_path / "watermark.json"), again.append
    ) as poller:
        assert poller.poll_once() == 0
        # ... and still gets what arrives afterwards, exactly once.
        second = send_customer_mail(mail_servers, unique, "Second message")
        poll_until(poller, again, 1)
        assert poller.poll_once() == 0
    assert [parse_email(f.raw).message_id for f in again] == [second]

    # The InboundMessage the ingestion layer stores.
    inbound = to_inbound_message(email, account_id=3)
    assert inbound.external_id == msgid
    assert inbound.author.external_id == mail_servers.customer
    assert inbound.author.name == "Customer Test"


def test_failing_callback_leaves_the_message_for_the_next_poll(
    mail_servers: MailServers, unique: str
) -> None:
    store = MemoryWatermarkStore()
    catch_up(mail_servers, store)
    send_customer_mail(mail_servers, unique, "Retry me")
    attempts: list[int] = []

    def flaky(fetched: FetchedEmail) -> None:
        attempts.append(fetched.uid)
        if len(attempts) == 1:
            raise RuntimeError("database down")

    with ImapPoller(mail_servers.imap(), store, flaky) as poller:

        def arrived() -> bool:
            try:
                poller.poll_once()
            except RuntimeError:
                return True
            return False

        wait_for(arrived)
        assert poller.poll_once() == 1
        assert poller.poll_once() == 0
    assert len(attempts) == 2 and attempts[0] == attempts[1]


def test_uidvalidity_change_resynchronises(mail_servers: MailServers, unique: str) -> None:
    store = MemoryWatermarkStore()
    catch_up(mail_servers, store)
    current = store.load()
    assert current is not None
    send_customer_mail(mail_servers, unique, "After rebuild")
    # Pretend the mailbox was rebuilt: the stored UIDVALIDITY no longer matches the server's.
    store.save(Watermark(uidvalidity=current.uidvalidity + 1, last_uid=10**9))
    got: list[FetchedEmail] = []
    with ImapPoller(mail_servers.imap(since_days=1), store, got.append) as poller:
        wait_for(lambda: poller.poll_once() >= 0 and len(mine(got, unique)) == 1)
    saved = store.load()
    assert saved is not None and saved.uidvalidity == current.uidvalidity
    assert all(f.uidvalidity == current.uidvalidity for f in got)


def test_idle_wakes_up_on_new_mail_and_times_out_otherwise(mail_servers: MailServers, unique: str) -> None:
    store = MemoryWatermarkStore()
    catch_up(mail_servers, store)
    with ImapPoller(mail_servers.imap(), store, lambda _f: None) as poller:
        assert poller.supports_idle
        started = time.monotonic()
        assert poller.idle(0.5) is False
        assert 0.4 < time.monotonic() - started < 5
        sender = threading.Timer(0.3, send_customer_mail, args=(mail_servers, unique, "Wake up"))
        sender.start()
        try:
            started = time.monotonic()
            assert poller.idle(15) is True
            assert time.monotonic() - started < 10
        finally:
            sender.join()
        # the connection is still usable after IDLE
        assert poller.poll_once() >= 1


def test_run_loop_delivers_each_message_once(mail_servers: MailServers, unique: str) -> None:
    store = MemoryWatermarkStore()
    catch_up(mail_servers, store)
    got: list[FetchedEmail] = []
    stop = threading.Event()
    poller = ImapPoller(mail_servers.imap(idle_timeout=2.0), store, got.append)
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    try:
        ids = {send_customer_mail(mail_servers, unique, f"Loop {n}") for n in range(3)}
        wait_for(lambda: len(mine(got, unique)) >= 3, timeout=20)
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert sorted(e.message_id for e in mine(got, unique)) == sorted(ids)
    assert len(got) == len({f.uid for f in got})


def test_polling_fallback_without_idle(mail_servers: MailServers, unique: str) -> None:
    store = MemoryWatermarkStore()
    catch_up(mail_servers, store)
    got: list[FetchedEmail] = []
    stop = threading.Event()
    poller = ImapPoller(mail_servers.imap(use_idle=False, poll_interval=0.2), store, got.append)
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    try:
        msgid = send_customer_mail(mail_servers, unique, "Polled")
        wait_for(lambda: len(mine(got, unique)) == 1)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert [e.message_id for e in mine(got, unique)] == [msgid]


def test_reply_lands_in_the_customer_mailbox_with_threading_headers(
    mail_servers: MailServers, unique: str
) -> None:
    care_store, customer_store = MemoryWatermarkStore(), MemoryWatermarkStore()
    catch_up(mail_servers, care_store)
    catch_up(mail_servers, customer_store, user=mail_servers.customer)

    first_id = send_customer_mail(mail_servers, unique, "Broken kettle", body="It leaks.")
    inbox: list[FetchedEmail] = []
    with ImapPoller(mail_servers.imap(), care_store, inbox.append) as poller:
        poll_until(poller, inbox, 1)
    parent = mine(inbox, unique)[0]
    assert parent.message_id == first_id
    assert should_auto_reply(parent, own_domains=["shop.example"]) == (True, "ok")

    # The agent's reply (human), then an automatic acknowledgement.
    reply = build_reply(
        parent,
        from_address=mail_servers.care,
        from_name="Shop Care",
        text="Sorry! A new one is on its way.",
        domain="shop.example",
    )
    care_smtp = mail_servers.smtp(user=mail_servers.care)
    reply_id = send_email(care_smtp, reply).message_id
    ack = build_reply(
        parent,
        from_address=mail_servers.care,
        text="We got your message.",
        domain="shop.example",
        automatic=True,
    )
    ack_id = send_email(care_smtp, ack).message_id

    received: list[FetchedEmail] = []
    with ImapPoller(mail_servers.imap(mail_servers.customer), customer_store, received.append) as poller:
        poll_until(poller, received, 2)
    by_id = {email.message_id: email for email in mine(received, unique)}
    landed = by_id[reply_id]
    assert landed.subject == f"Re: Broken kettle [{unique}]"
    assert landed.in_reply_to == (first_id,)
    assert landed.references == (first_id,)
    assert landed.from_ is not None and landed.from_.address == mail_servers.care
    assert landed.text == "Sorry! A new one is on its way."
    assert landed.header("Auto-Submitted") is None
    automatic = by_id[ack_id]
    assert automatic.header("Auto-Submitted") == "auto-replied"
    assert should_auto_reply(automatic) == (False, "Auto-Submitted: auto-replied")

    # The customer answers the agent's reply: the thread resolves to our outbound Message-ID.
    answer = build_reply(
        landed, from_address=mail_servers.customer, text="Thanks!\n\n> Sorry!", domain="customer.example"
    )
    send_email(mail_servers.smtp(), answer)
    inbox.clear()
    with ImapPoller(mail_servers.imap(), care_store, inbox.append) as poller:
        poll_until(poller, inbox, 1)
    answer_parsed = mine(inbox, unique)[0]
    known = {first_id, reply_id}
    inbound = to_inbound_message(answer_parsed, account_id=1, is_known=known.__contains__)
    assert inbound.in_reply_to == reply_id
    assert inbound.thread_key == first_id
    assert inbound.text == "Thanks!"


def test_smtp_errors_from_the_real_server(mail_servers: MailServers) -> None:
    msg = build_email(
        from_address=mail_servers.customer,
        to=[mail_servers.care],
        subject="x",
        text="x",
        domain="customer.example",
    )
    with pytest.raises(DeliveryFailed) as bad_password:
        send_email(mail_servers.smtp(password="wrong-password"), msg)
    assert bad_password.value.retryable is False
    assert bad_password.value.details["smtp_code"] == 535
    nobody = build_email(
        from_address=mail_servers.customer,
        to=["nobody@comptoir.test"],
        subject="x",
        text="x",
        domain="customer.example",
    )
    with pytest.raises(DeliveryFailed) as unknown:
        send_email(mail_servers.smtp(), nobody)
    assert unknown.value.retryable is False


def test_imap_bad_password_is_an_imap_error(mail_servers: MailServers) -> None:
    from comptoir.channels.email import ImapError

    poller = ImapPoller(mail_servers.imap(password="wrong-password"), MemoryWatermarkStore(), lambda _f: None)
    with pytest.raises(ImapError):
        poller.connect()
