"""Mapping to InboundMessage, and building threaded replies (RFC 5322 §3.6.4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from comptoir import clock
from comptoir.channels.email import (
    MAX_REFERENCES,
    build_email,
    build_reply,
    make_message_id,
    parse_email,
    reply_references,
    reply_subject,
    to_inbound_message,
)
from comptoir.domain.enums import Direction, Visibility

CUSTOMER_REPLY = (
    b"From: =?utf-8?q?Ren=C3=A9e?= <Renee@Example.FR>\r\n"
    b"To: care@shop.example\r\n"
    b"Subject: Re: Commande 77\r\n"
    b"Date: Fri, 15 Mar 2024 12:30:00 +0200\r\n"
    b"Message-ID: <r2@example.fr>\r\n"
    b"In-Reply-To: <comptoir.a1@shop.example>\r\n"
    b"References: <root@example.fr> <comptoir.a1@shop.example>\r\n"
    b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
    b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Toujours rien.\r\n\r\nLe 14/03/2024, Service a \xc3\xa9crit :\r\n> Votre colis arrive.\r\n"
    b"--B\r\nContent-Type: image/jpeg; name=colis.jpg\r\nContent-Disposition: attachment; filename=colis.jpg\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--B--\r\n"
)


def test_to_inbound_message_maps_every_field() -> None:
    email = parse_email(CUSTOMER_REPLY)
    message = to_inbound_message(email, account_id=7)
    assert message.account_id == 7
    assert message.external_id == "r2@example.fr"
    assert message.author.external_id == "renee@example.fr"
    assert message.author.handle == "renee@example.fr"
    assert message.author.name == "Renée"
    assert message.text == "Toujours rien."
    assert message.sent_at == datetime(2024, 3, 15, 10, 30, tzinfo=UTC)
    assert message.visibility is Visibility.PRIVATE
    assert message.direction is Direction.INBOUND
    assert message.in_reply_to == "comptoir.a1@shop.example"  # nearest declared parent
    assert message.thread_key == "root@example.fr"
    assert [(a.kind, a.name, a.mime_type, a.size) for a in message.attachments] == [
        ("image", "colis.jpg", "image/jpeg", 6)
    ]
    raw = json.loads(json.dumps(message.raw))  # JSON-safe
    assert raw["subject"] == "Re: Commande 77"
    assert raw["references"] == ["root@example.fr", "comptoir.a1@shop.example"]
    assert ["Message-ID", "<r2@example.fr>"] in raw["headers"]
    assert raw["auto_reply_allowed"] is True
    assert raw["attachments"][0]["name"] == "colis.jpg"


def test_in_reply_to_is_the_nearest_known_parent() -> None:
    email = parse_email(CUSTOMER_REPLY)
    known = {"root@example.fr"}
    message = to_inbound_message(email, account_id=1, is_known=known.__contains__)
    assert message.in_reply_to == "root@example.fr"
    both = {"root@example.fr", "comptoir.a1@shop.example"}
    assert to_inbound_message(email, account_id=1, is_known=both.__contains__).in_reply_to == (
        "comptoir.a1@shop.example"
    )
    assert to_inbound_message(email, account_id=1, is_known=lambda _id: False).in_reply_to is None


def test_missing_date_uses_the_clock_and_own_address_is_outbound() -> None:
    raw = b"From: care@shop.example\r\nMessage-ID: <o@shop.example>\r\n\r\nsent from a phone\r\n"
    instant = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with clock.frozen(instant):
        message = to_inbound_message(parse_email(raw), account_id=1, own_addresses=["Care@Shop.Example"])
    assert message.sent_at == instant
    assert message.direction is Direction.OUTBOUND
    assert message.raw["auto_reply_allowed"] is False


def test_reply_subject_does_not_stack_prefixes() -> None:
    assert reply_subject("Commande 77") == "Re: Commande 77"
    assert reply_subject("Re: Commande 77") == "Re: Commande 77"
    assert reply_subject("RE: x") == "RE: x"
    assert reply_subject("Re[2]: x") == "Re[2]: x"
    assert reply_subject("AW: x") == "AW: x"
    assert reply_subject("  ") == "Re: (no subject)"
    assert reply_subject("Regarding my order") == "Re: Regarding my order"


def test_reply_references_follow_rfc_5322() -> None:
    with_refs = parse_email(CUSTOMER_REPLY)
    assert reply_references(with_refs) == ("root@example.fr", "comptoir.a1@shop.example", "r2@example.fr")
    only_irt = parse_email(
        b"From: a@b.example\r\nMessage-ID: <p@b.example>\r\nIn-Reply-To: <gp@b.example>\r\n\r\nx"
    )
    assert reply_references(only_irt) == ("gp@b.example", "p@b.example")
    fresh = parse_email(b"From: a@b.example\r\nMessage-ID: <p@b.example>\r\n\r\nx")
    assert reply_references(fresh) == ("p@b.example",)
    no_id = parse_email(b"From: a@b.example\r\n\r\nx")
    assert reply_references(no_id) == ()
    long_refs = " ".join(f"<r{i}@b.example>" for i in range(40))
    long_thread = parse_email(
        f"From: a@b.example\r\nMessage-ID: <p@b.example>\r\nReferences: {long_refs}\r\n\r\nx".encode()
    )
    refs = reply_references(long_thread)
    assert len(refs) == MAX_REFERENCES
    assert refs[0] == "r0@b.example" and refs[-1] == "p@b.example" and refs[-2] == "r39@b.example"


def test_build_reply_threads_and_parses_back() -> None:
    parent = parse_email(CUSTOMER_REPLY)
    with clock.frozen(datetime(2024, 3, 15, 11, 0, tzinfo=UTC)):
        reply = build_reply(
            parent,
            from_address="Care@Shop.Example",
            from_name="Service Client",
            text="Votre colis a été retrouvé.",
            html="<p>Votre colis a été <b>retrouvé</b>.</p>",
            domain="shop.example",
        )
    assert reply["In-Reply-To"] == "<r2@example.fr>"
    assert reply["References"] == "<root@example.fr> <comptoir.a1@shop.example> <r2@example.fr>"
    assert reply["Subject"] == "Re: Commande 77"
    assert reply["Date"] == "Fri, 15 Mar 2024 11:00:00 +0000"
    assert reply["Auto-Submitted"] is None
    assert reply.get_content_type() == "multipart/alternative"
    back = parse_email(reply.as_bytes())
    assert back.message_id.endswith("@shop.example") and back.message_id.startswith("comptoir.")
    assert back.from_ is not None and back.from_.address == "care@shop.example"
    assert back.from_.name == "Service Client"
    assert [a.address for a in back.to] == ["renee@example.fr"]
    assert back.to[0].name == "Renée"
    assert back.text == "Votre colis a été retrouvé."
    assert back.html is not None and "<b>retrouvé</b>" in back.html
    assert back.in_reply_to == ("r2@example.fr",)
    assert back.references == ("root@example.fr", "comptoir.a1@shop.example", "r2@example.fr")


def test_reply_goes_to_reply_to_and_automatic_flag() -> None:
    parent = parse_email(
        b"From: shop-form@forms.example\r\nReply-To: Bob <bob@example.com>\r\nSubject: Contact form\r\n"
        b"Message-ID: <f1@forms.example>\r\n\r\nhelp"
    )
    reply = build_reply(
        parent, from_address="care@shop.example", text="ack", domain="shop.example", automatic=True
    )
    assert reply["To"] == "Bob <bob@example.com>"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["X-Loop"] == "care@shop.example"
    with pytest.raises(ValueError):
        build_reply(
            parse_email(b"Subject: x\r\n\r\nbody"), from_address="c@s.example", text="x", domain="s.example"
        )
    with pytest.raises(ValueError):
        build_email(from_address="c@s.example", to=[], subject="x", text="x", domain="s.example")


def test_message_ids_are_unique_or_deterministic_per_key() -> None:
    assert make_message_id("Shop.Example.").endswith("@shop.example")
    assert make_message_id("shop.example") != make_message_id("shop.example")
    assert make_message_id("shop.example", key="outbox:42") == make_message_id(
        "shop.example", key="outbox:42"
    )
    assert make_message_id("shop.example", key="outbox:42") != make_message_id(
        "shop.example", key="outbox:43"
    )
