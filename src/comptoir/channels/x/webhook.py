"""X webhooks: the CRC challenge, ``x-twitter-webhooks-signature`` and Account Activity parsing."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping

from comptoir.channels.base import (
    AppCredentials,
    HandshakeReply,
    IgnoredEvent,
    ParsedWebhook,
    check_signature_header,
    header,
    hmac_sha256,
    id_string,
    load_json_object,
)
from comptoir.channels.x.normalize import ACTIVITY_NORMALISERS, ENVELOPE_KEYS, NORMALISERS, Ignore, XContext
from comptoir.errors import InvalidWebhookPayload

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def sign(body: bytes, consumer_secret: str) -> str:
    """``sha256=<base64 HMAC-SHA256(consumer secret, body)>``: the signature header and the CRC token."""
    return "sha256=" + base64.b64encode(hmac_sha256(consumer_secret, body)).decode("ascii")


def crc_response(crc_token: str, consumer_secret: str) -> dict[str, str]:
    return {"response_token": sign(crc_token.encode("utf-8"), consumer_secret)}


def handshake(query: Mapping[str, str], app: AppCredentials) -> HandshakeReply:
    """Answer ``GET ?crc_token=...`` with the JSON response token; 400 without a token."""
    token = query.get("crc_token")
    if not token:
        return HandshakeReply(400, json.dumps({"error": "crc_token missing"}), "application/json")
    return HandshakeReply(200, json.dumps(crc_response(token, app.secret)), "application/json")


def verify(body: bytes, headers: Mapping[str, str], app: AppCredentials) -> None:
    check_signature_header(
        header(headers, SIGNATURE_HEADER), sign(body, app.secret), header_name=SIGNATURE_HEADER
    )


def parse(body: bytes) -> ParsedWebhook:
    data = load_json_object(body)
    if "for_user_id" not in data:
        envelope = data.get("data")
        if isinstance(envelope, dict) and "event_type" in envelope:
            event_type = f"activity.{envelope['event_type']}"
            normalise = ACTIVITY_NORMALISERS.get(str(envelope["event_type"]))
            if normalise is None:
                return ParsedWebhook(ignored=(IgnoredEvent(event_type, "unsupported event type"),))
            return ParsedWebhook(events=tuple(normalise(envelope)))
        raise InvalidWebhookPayload("X notification without `for_user_id`")
    users = data.get("users")
    ctx = XContext(id_string(data["for_user_id"], "for_user_id"), users if isinstance(users, dict) else {})
    result = ParsedWebhook()
    for key, value in data.items():
        if key in ENVELOPE_KEYS:
            continue
        normaliser = NORMALISERS.get(key)
        if normaliser is None:
            result += ParsedWebhook(ignored=(IgnoredEvent(key, "unsupported event type"),))
            continue
        if not isinstance(value, list):
            raise InvalidWebhookPayload(f"{key} must be an array")
        for item in value:
            if not isinstance(item, dict):
                raise InvalidWebhookPayload(f"{key}[] must hold objects")
            try:
                result += ParsedWebhook(events=tuple(normaliser(ctx, item)))
            except Ignore as ignored:
                result += ParsedWebhook(ignored=(IgnoredEvent(key, ignored.reason),))
    return result


class XWebhookConnector:
    """The :class:`~comptoir.channels.base.WebhookConnector` of ``/webhooks/x/<app>``."""

    provider = "x"

    def handshake(self, query: Mapping[str, str], app: AppCredentials) -> HandshakeReply:
        return handshake(query, app)

    def verify(self, body: bytes, headers: Mapping[str, str], app: AppCredentials) -> None:
        verify(body, headers, app)

    def parse(self, body: bytes) -> ParsedWebhook:
        return parse(body)
