"""Meta webhooks: handshake, signatures over the raw body, every documented event normalised."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from comptoir.channels.base import (
    AppCredentials,
    DeliveryReceipt,
    EchoEvent,
    MessageEdited,
    MessageEvent,
    MessageRemoved,
    ReadReceipt,
    RemovalKind,
)
from comptoir.channels.meta import parse, sign, verify
from comptoir.channels.meta.normalize import NORMALISERS
from comptoir.channels.meta.webhook import handshake
from comptoir.domain.enums import Direction, Platform, Visibility
from comptoir.errors import BadSignature, InvalidJson, InvalidWebhookPayload
from tests.channels.support import fixture_bytes, fixture_names

SECRET = "meta-app-secret"
APP = AppCredentials(secret=SECRET, verify_token="tok-123")
PAGE = "1122334455"
IG = "17841400000000001"


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


# -- handshake ---------------------------------------------------------------------------------------


def test_handshake_echoes_challenge_for_the_right_token() -> None:
    reply = handshake(
        {"hub.mode": "subscribe", "hub.verify_token": "tok-123", "hub.challenge": "1158201444"}, APP
    )
    assert (reply.status, reply.body, reply.media_type) == (200, "1158201444", "text/plain")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "tok-123", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "tok-123"},
    ],
)
def test_handshake_refuses_anything_else(query: dict[str, str]) -> None:
    assert handshake(query, APP).status == 403


def test_handshake_refuses_when_no_token_is_configured() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert handshake(query, AppCredentials(secret=SECRET)).status == 403


# -- signatures --------------------------------------------------------------------------------------


def test_signature_is_lowercase_hex_hmac_of_the_raw_body() -> None:
    body = fixture_bytes("meta", "messenger_message_unicode")
    assert sign(body, SECRET) == signed(body)["X-Hub-Signature-256"]
    verify(body, signed(body), APP)
    verify(body, {"x-hub-signature-256": signed(body)["X-Hub-Signature-256"]}, APP)  # any header case


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": ""},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "sha256=deadbeef"},
    ],
    ids=["missing", "empty", "forged", "short"],
)
def test_bad_signatures_are_rejected(headers: dict[str, str]) -> None:
    with pytest.raises(BadSignature):
        verify(fixture_bytes("meta", "messenger_message"), headers, APP)


def test_truncated_signature_and_other_secret_and_sha1_only_are_rejected() -> None:
    body = fixture_bytes("meta", "messenger_message")
    good = signed(body)["X-Hub-Signature-256"]
    with pytest.raises(BadSignature):
        verify(body, {"X-Hub-Signature-256": good[:-1]}, APP)
    with pytest.raises(BadSignature):
        verify(body, signed(body, "another-secret"), APP)
    legacy = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    with pytest.raises(BadSignature):
        verify(body, {"X-Hub-Signature": legacy}, APP)


def test_signature_covers_the_exact_bytes_not_reserialised_json() -> None:
    body = fixture_bytes("meta", "messenger_message_unicode")
    headers = signed(body)
    altered = body.replace(b"\\u00e9", b"\\u00E9")  # same JSON value, different bytes
    assert altered != body
    with pytest.raises(BadSignature):
        verify(altered, headers, APP)


# -- parsing -----------------------------------------------------------------------------------------


def only(name: str) -> object:
    parsed = parse(fixture_bytes("meta", name))
    assert parsed.ignored == ()
    assert len(parsed.events) == 1
    return parsed.events[0]


def test_messenger_message() -> None:
    event = only("messenger_message")
    assert isinstance(event, MessageEvent)
    assert (event.platform, event.account_external_id) == (Platform.FACEBOOK, PAGE)
    message = event.message
    assert message.account_id == 0
    assert (message.external_id, message.text) == ("m_AbC123", "My order #4411 never arrived")
    assert message.author.external_id == "7001"
    assert message.visibility is Visibility.PRIVATE and message.direction is Direction.INBOUND
    assert message.in_reply_to == "m_Prev99"
    assert message.thread_key == "dm:7001"
    assert message.sent_at == datetime(2024, 6, 10, 6, 13, 20, 100000, tzinfo=UTC)
    assert [(a.kind, a.url) for a in message.attachments] == [("image", "https://cdn.example/1.jpg")]
    assert event.for_account(42).account_id == 42


def test_unicode_escapes_are_decoded() -> None:
    event = only("messenger_message_unicode")
    assert isinstance(event, MessageEvent)
    assert event.message.text == "Où est ma commande ? Très déçu 😞"


def test_messenger_echo_carries_metadata_and_app_id() -> None:
    event = only("messenger_echo")
    assert isinstance(event, EchoEvent)
    assert event.message.direction is Direction.OUTBOUND
    assert (event.message.external_id, event.metadata, event.app_id) == (
        "m_Out555",
        "desk:msg:991",
        "1517776481860111",
    )
    assert event.message.thread_key == "dm:7001"


def test_delivery_and_read_receipts() -> None:
    delivery = only("messenger_delivery")
    assert isinstance(delivery, DeliveryReceipt)
    assert delivery.message_ids == ("m_Out555",) and delivery.contact_external_id == "7001"
    assert delivery.watermark == datetime.fromtimestamp(1718000006, tz=UTC)
    read = only("messenger_read")
    assert isinstance(read, ReadReceipt)
    assert read.watermark == datetime.fromtimestamp(1718000006, tz=UTC) and read.message_id is None
    seen = only("instagram_seen")
    assert isinstance(seen, ReadReceipt)
    assert (seen.platform, seen.message_id, seen.watermark) == (
        Platform.INSTAGRAM,
        "aWdfZAG1faXRlbToxOkVjaG8",
        None,
    )


def test_edit_and_standby() -> None:
    edit = only("messenger_message_edit")
    assert isinstance(edit, MessageEdited) and edit.external_id == "m_AbC123" and "#4412" in edit.text
    standby = only("messenger_standby")
    assert isinstance(standby, MessageEvent) and standby.message.external_id == "m_Standby1"


def test_feed_comment_threads() -> None:
    top = only("feed_comment_add")
    assert isinstance(top, MessageEvent)
    assert top.message.visibility is Visibility.PUBLIC
    assert top.message.author.name == "Jane Doe"
    assert top.message.thread_key == "900100_900777"  # a top-level comment is its own thread
    assert top.message.in_reply_to == f"{PAGE}_900100"
    assert top.message.sent_at == datetime.fromtimestamp(1718000099, tz=UTC)
    reply = only("feed_comment_reply")
    assert isinstance(reply, MessageEvent)
    assert reply.message.thread_key == "900100_900777" and reply.message.in_reply_to == "900100_900777"


def test_page_own_comment_is_an_echo() -> None:
    echo = only("feed_comment_page_reply")
    assert isinstance(echo, EchoEvent)
    assert echo.message.direction is Direction.OUTBOUND
    assert echo.message.thread_key == "900100_900777"


def test_comment_edit_remove_hide() -> None:
    edited = only("feed_comment_edited")
    assert isinstance(edited, MessageEdited) and edited.text.endswith("!!")
    removed = only("feed_comment_remove")
    assert isinstance(removed, MessageRemoved) and removed.kind is RemovalKind.REMOVED
    hidden = only("feed_comment_hide")
    assert isinstance(hidden, MessageRemoved) and hidden.kind is RemovalKind.HIDDEN


def test_instagram_messages() -> None:
    message = only("instagram_message")
    assert isinstance(message, MessageEvent)
    assert (message.platform, message.account_external_id) == (Platform.INSTAGRAM, IG)
    assert message.message.thread_key == "dm:5301"
    echo = only("instagram_echo")
    assert isinstance(echo, EchoEvent) and echo.app_id is None and echo.message.thread_key == "dm:5301"
    unsent = only("instagram_unsent")
    assert isinstance(unsent, MessageRemoved) and unsent.kind is RemovalKind.UNSENT
    test_shape = only("instagram_test_message_in_changes")
    assert isinstance(test_shape, MessageEvent) and test_shape.message.text == "random_text"


def test_instagram_comments_thread_under_parent() -> None:
    top = only("instagram_comment")
    assert isinstance(top, MessageEvent)
    assert top.message.author.handle == "ana.k"
    assert top.message.thread_key == "17865799348089039"
    assert top.message.in_reply_to == "17887498072083520"
    reply = only("instagram_comment_reply")
    assert isinstance(reply, MessageEvent)
    assert reply.message.thread_key == "17865799348089039" == reply.message.in_reply_to


def test_batch_routes_every_entry() -> None:
    parsed = parse(fixture_bytes("meta", "batch_two_entries"))
    assert [
        (e.account_external_id, e.message.external_id) for e in parsed.events if isinstance(e, MessageEvent)
    ] == [
        (PAGE, "m_Batch1"),
        ("9988776655", "m_Batch2"),
    ]


@pytest.mark.parametrize(
    ("name", "event_type"),
    [
        ("messenger_reaction", "messaging.reaction"),
        ("messenger_postback", "messaging.postback"),
        ("feed_post_status", "changes.feed.status"),
        ("feed_reaction", "changes.feed.reaction"),
        ("instagram_mention", "changes.mentions"),
        ("whatsapp_object", "object.whatsapp_business_account"),
    ],
)
def test_unsupported_events_are_ignored(name: str, event_type: str) -> None:
    parsed = parse(fixture_bytes("meta", name))
    assert parsed.events == ()
    assert [ignored.event_type for ignored in parsed.ignored] == [event_type]


def test_every_fixture_parses_and_every_normaliser_is_exercised() -> None:
    seen: set[str] = set()
    for name in fixture_names("meta"):
        parsed = parse(fixture_bytes("meta", name))
        assert parsed.events or parsed.ignored, name
        seen.update(type(event).__name__ for event in parsed.events)
    assert seen == {
        "MessageEvent",
        "EchoEvent",
        "DeliveryReceipt",
        "ReadReceipt",
        "MessageEdited",
        "MessageRemoved",
    }
    assert {"messaging.message", "changes.feed.comment", "changes.comments"} <= set(NORMALISERS)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", InvalidJson),
        (b"\xff\xfe", InvalidJson),
        (b"[]", InvalidWebhookPayload),
        (b'{"entry": []}', InvalidWebhookPayload),
        (b'{"object": "page"}', InvalidWebhookPayload),
        (b'{"object": "page", "entry": [{"time": 1}]}', InvalidWebhookPayload),
        (
            b'{"object": "page", "entry": [{"id": "1", "messaging": [{"sender": {"id": "2"}, "message": {}}]}]}',
            InvalidWebhookPayload,
        ),
        (
            b'{"object": "page", "entry": [{"id": "1", "messaging": [{"message": {"mid": "m", "text": "x"},'
            b' "timestamp": 1}]}]}',
            InvalidWebhookPayload,
        ),
        (
            b'{"object": "page", "entry": [{"id": "1", "changes": [{"field": "feed", "value": {"item": "comment",'
            b' "verb": "add"}}]}]}',
            InvalidWebhookPayload,
        ),
    ],
)
def test_payloads_that_cannot_come_from_meta_are_rejected(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse(body)
