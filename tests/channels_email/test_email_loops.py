"""RFC 3834 loop prevention: every rule, and the human messages that must still be answered."""

from __future__ import annotations

import pytest

from comptoir.channels.email import (
    build_email,
    is_automatic,
    parse_email,
    should_auto_reply,
)

OWN = ("shop.example",)


def mail(
    *headers: str, sender: str = "Alice <alice@example.com>", msgid: str = "<m1@mail.example.com>"
) -> bytes:
    lines = [f"From: {sender}", "To: care@shop.example", "Subject: hello", f"Message-ID: {msgid}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\nHello, I need help.\r\n").encode()


def test_a_human_message_may_be_answered() -> None:
    assert should_auto_reply(mail(), own_domains=OWN) == (True, "ok")
    assert should_auto_reply(parse_email(mail()), own_domains=OWN) == (True, "ok")
    assert not is_automatic(mail(), own_domains=OWN)


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: no",
        "Auto-Submitted: No",
        "X-Auto-Response-Suppress: DR, RN, NRN",
        "Precedence: first-class",
    ],
)
def test_headers_that_do_not_block(header: str) -> None:
    assert should_auto_reply(mail(header), own_domains=OWN) == (True, "ok")


@pytest.mark.parametrize(
    ("header", "reason_part"),
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated"),
        ("Auto-Submitted: auto-notified", "Auto-Submitted: auto-notified"),
        ("Auto-Submitted: auto-replied; owner-email=x@example.com", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: vacation", "Auto-Submitted: vacation"),
        ("Precedence: bulk", "Precedence: bulk"),
        ("Precedence: junk", "Precedence: junk"),
        ("Precedence: list", "Precedence: list"),
        ("Precedence: auto_reply", "Precedence: auto_reply"),
        ("Precedence: BULK", "Precedence: bulk"),
        ("X-Autoreply: yes", "X-Autoreply"),
        ("X-Autorespond: yes", "X-Autorespond"),
        ("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress"),
        ("X-Auto-Response-Suppress: OOF", "X-Auto-Response-Suppress"),
        ("X-Auto-Response-Suppress: DR, AutoReply", "X-Auto-Response-Suppress"),
        ("List-Id: <support.lists.example.com>", "List-Id"),
        ("List-Unsubscribe: <mailto:leave@lists.example.com>", "List-Unsubscribe"),
        ("List-Post: <mailto:list@lists.example.com>", "List-Post"),
        ("Return-Path: <>", "null Return-Path"),
        ("X-Loop: yes", "X-Loop"),
        ("X-Loop: care@shop.example", "X-Loop"),
        ("X-MS-Exchange-Inbox-Rules-Loop: alice@example.com", "Inbox-Rules-Loop"),
        ('Content-Type: multipart/report; report-type=delivery-status; boundary="b"', "delivery status"),
    ],
)
def test_automatic_headers_block_auto_replies(header: str, reason_part: str) -> None:
    allowed, reason = should_auto_reply(mail(header), own_domains=OWN)
    assert not allowed
    assert reason_part in reason


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@mx.example.com",
        "Mail Delivery System <mailer-daemon@googlemail.com>",
        "postmaster@example.com",
        "noreply@example.com",
        "no-reply@accounts.example.com",
        "noreply-notifications@example.com",
        "donotreply@example.com",
        "do-not-reply@example.com",
        "bounces+123@mailer.example.com",
    ],
)
def test_robot_senders_are_never_answered(sender: str) -> None:
    allowed, reason = should_auto_reply(mail(sender=sender), own_domains=OWN)
    assert not allowed and "robot sender" in reason


def test_our_own_message_id_domain_is_never_answered() -> None:
    allowed, reason = should_auto_reply(mail(msgid="<comptoir.abc@shop.example>"), own_domains=OWN)
    assert (allowed, reason) == (False, "Message-ID in our own domain")
    # subdomains of ours too, but not a domain that merely ends with the same letters
    assert not should_auto_reply(mail(msgid="<x@mail.shop.example>"), own_domains=OWN)[0]
    assert should_auto_reply(mail(msgid="<x@myshop.example>"), own_domains=OWN)[0]


def test_mail_from_our_own_mailbox_is_never_answered() -> None:
    raw = mail(sender="Shop Care <Care@Shop.Example>")
    assert should_auto_reply(raw, own_addresses=["care@shop.example"]) == (False, "sent from our own mailbox")
    assert should_auto_reply(mail(sender="undisclosed-recipients:;"))[1] == "no sender address"


def test_our_automatic_messages_are_recognised_as_automatic() -> None:
    ack = build_email(
        from_address="care@shop.example",
        to=["alice@example.com"],
        subject="We received your message",
        text="Thanks, an agent will answer soon.",
        domain="shop.example",
        automatic=True,
    )
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Auto-Response-Suppress"] == "All"
    parsed = parse_email(ack.as_bytes())
    allowed, reason = should_auto_reply(parsed)  # even without knowing our domain
    assert not allowed and reason == "Auto-Submitted: auto-replied"
    human = build_email(
        from_address="care@shop.example",
        to=["alice@example.com"],
        subject="Your order",
        text="Here it is.",
        domain="shop.example",
    )
    assert human["Auto-Submitted"] is None
    # A human reply from us coming back (bounced copy, CC) is still ours: the Message-ID domain says so.
    assert should_auto_reply(parse_email(human.as_bytes()), own_domains=OWN) == (
        False,
        "Message-ID in our own domain",
    )
