"""X webhooks: CRC, x-twitter-webhooks-signature, Account Activity events normalised."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from comptoir.channels.base import AppCredentials, EchoEvent, MessageEvent, MessageRemoved, ReadReceipt
from comptoir.channels.x import crc_response, parse, sign, verify
from comptoir.channels.x.webhook import handshake
from comptoir.domain.enums import Direction, Platform, Visibility
from comptoir.errors import BadSignature, InvalidJson, InvalidWebhookPayload
from tests.channels.support import fixture_bytes, fixture_names

SECRET = "x-consumer-secret"
APP = AppCredentials(secret=SECRET)
BRAND = "2244994945"


def b64_hmac(secret: str, message: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def test_crc_response_token() -> None:
    assert crc_response("abc123", SECRET) == {"response_token": b64_hmac(SECRET, b"abc123")}
    reply = handshake({"crc_token": "abc123"}, APP)
    assert reply.status == 200 and reply.media_type == "application/json"
    assert json.loads(reply.body) == {"response_token": b64_hmac(SECRET, b"abc123")}
    assert handshake({}, APP).status == 400


def test_signature_accepts_the_base64_hmac_and_rejects_the_rest() -> None:
    body = fixture_bytes("x", "tweet_create_mention")
    good = b64_hmac(SECRET, body)
    assert sign(body, SECRET) == good
    verify(body, {"X-Twitter-Webhooks-Signature": good}, APP)
    for headers in (
        {},
        {"x-twitter-webhooks-signature": good[:-4]},
        {"x-twitter-webhooks-signature": b64_hmac("other-secret", body)},
        {
            "x-twitter-webhooks-signature": "sha256="
            + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        },
        {"x-twitter-webhooks-signature": b64_hmac(SECRET, body + b" ")},
    ):
        with pytest.raises(BadSignature):
            verify(body, headers, APP)


def one(name: str) -> object:
    parsed = parse(fixture_bytes("x", name))
    assert parsed.ignored == ()
    assert len(parsed.events) == 1
    return parsed.events[0]


def test_mention_with_author_influence() -> None:
    event = one("tweet_create_mention")
    assert isinstance(event, MessageEvent)
    assert (event.platform, event.account_external_id) == (Platform.X, BRAND)
    message = event.message
    assert message.external_id == "1924465506158878979"
    assert message.text == "@YourBrand my package is 2 weeks late"
    assert message.visibility is Visibility.PUBLIC
    assert message.sent_at == datetime(2025, 5, 19, 14, 1, 46, tzinfo=UTC)
    assert (message.author.handle, message.author.followers, message.author.verified) == (
        "jordan_b",
        22,
        False,
    )
    assert message.in_reply_to is None and message.thread_key == message.external_id


def test_reply_in_thread_and_brand_echo() -> None:
    reply = one("tweet_create_reply")
    assert isinstance(reply, MessageEvent)
    assert reply.message.in_reply_to == "1924466000000000001" == reply.message.thread_key
    echo = one("tweet_create_brand")
    assert isinstance(echo, EchoEvent)
    assert echo.message.direction is Direction.OUTBOUND
    assert echo.message.in_reply_to == "1924465506158878979"
    assert echo.message.author.verified is True


def test_extended_tweet_full_text_and_media() -> None:
    event = one("tweet_create_extended")
    assert isinstance(event, MessageEvent)
    assert event.message.text.endswith("unacceptable. Order 5523.")
    assert [a.url for a in event.message.attachments] == ["https://pbs.twimg.com/media/receipt.jpg"]


def test_direct_messages() -> None:
    inbound = one("direct_message_inbound")
    assert isinstance(inbound, MessageEvent)
    message = inbound.message
    assert (inbound.account_external_id, message.external_id) == ("4337869213", "954491830116155396")
    assert message.visibility is Visibility.PRIVATE and message.thread_key == "dm:3001969357"
    assert (message.author.handle, message.author.followers) == ("jordan_b", 22)
    assert message.sent_at == datetime.fromtimestamp(1516403560.557, tz=UTC)
    echo = one("direct_message_echo")
    assert isinstance(echo, EchoEvent)
    assert echo.app_id == "13090192" and echo.message.thread_key == "dm:3001969357"
    read = one("direct_message_mark_read")
    assert isinstance(read, ReadReceipt) and read.message_id == "954491830116155400"
    deleted = one("tweet_delete")
    assert isinstance(deleted, MessageRemoved) and deleted.external_id == "1924465506158878979"


@pytest.mark.parametrize(
    ("name", "event_type"),
    [
        ("tweet_create_retweet", "tweet_create_events"),
        ("favorite_events", "favorite_events"),
        ("follow_events", "follow_events"),
        ("direct_message_typing", "direct_message_indicate_typing_events"),
    ],
)
def test_unsupported_events_are_ignored(name: str, event_type: str) -> None:
    parsed = parse(fixture_bytes("x", name))
    assert parsed.events == ()
    assert [ignored.event_type for ignored in parsed.ignored] == [event_type]


def test_every_fixture_parses() -> None:
    kinds: set[str] = set()
    for name in fixture_names("x"):
        parsed = parse(fixture_bytes("x", name))
        assert parsed.events or parsed.ignored, name
        kinds.update(type(event).__name__ for event in parsed.events)
    assert kinds == {"MessageEvent", "EchoEvent", "ReadReceipt", "MessageRemoved"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{", InvalidJson),
        (b'"text"', InvalidWebhookPayload),
        (b'{"tweet_create_events": []}', InvalidWebhookPayload),
        (b'{"for_user_id": "1", "tweet_create_events": {}}', InvalidWebhookPayload),
        (
            b'{"for_user_id": "1", "tweet_create_events": [{"id_str": "5", "text": "x"}]}',
            InvalidWebhookPayload,
        ),
        (
            b'{"for_user_id": "1", "tweet_create_events": [{"id_str": "5", "text": "x", "user": {"id_str": "2"},'
            b' "created_at": "yesterday"}]}',
            InvalidWebhookPayload,
        ),
        (
            b'{"for_user_id": "1", "direct_message_events": [{"type": "message_create", "id": "9"}]}',
            InvalidWebhookPayload,
        ),
    ],
)
def test_payloads_that_cannot_come_from_x_are_rejected(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse(body)


def test_activity_api_mention() -> None:
    event = one("activity_post_mention")
    assert isinstance(event, MessageEvent) and event.account_external_id == BRAND
    message = event.message
    assert (message.external_id, message.author.handle, message.author.followers) == (
        "1924500000000000000",
        "jordan_b",
        22,
    )
    assert message.sent_at == datetime(2025, 5, 19, 18, 0, tzinfo=UTC)


def test_activity_api_other_events_are_ignored_and_malformed_ones_rejected() -> None:
    body = json.dumps({"data": {"event_type": "dm.read", "payload": {}}}).encode()
    assert [i.event_type for i in parse(body).ignored] == ["activity.dm.read"]
    with pytest.raises(InvalidWebhookPayload):
        parse(json.dumps({"data": {"event_type": "post.mention.create", "payload": {}}}).encode())
