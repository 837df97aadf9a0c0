"""Meta webhooks: the ``hub.*`` handshake, ``X-Hub-Signature-256`` and parsing of ``entry[]``."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from comptoir.channels.base import (
    AppCredentials,
    ChannelEvent,
    HandshakeReply,
    IgnoredEvent,
    ParsedWebhook,
    check_signature_header,
    from_epoch_ms,
    from_epoch_s,
    header,
    hmac_sha256,
    id_string,
    load_json_object,
    require,
)
from comptoir.channels.meta.normalize import (
    CHANGE_NORMALISERS,
    MESSAGING_NORMALISERS,
    EntryContext,
    Ignore,
    Normaliser,
    change_event_type,
    messaging_event_type,
)
from comptoir.domain.enums import Platform
from comptoir.errors import InvalidWebhookPayload

SIGNATURE_HEADER = "X-Hub-Signature-256"

OBJECT_PLATFORMS: dict[str, Platform] = {"page": Platform.FACEBOOK, "instagram": Platform.INSTAGRAM}
"""``object`` of the notification -> platform of the accounts its entries belong to."""


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta computes: ``sha256=<lowercase hex HMAC-SHA256>``."""
    return "sha256=" + hmac_sha256(app_secret, body).hex()


def handshake(query: Mapping[str, str], app: AppCredentials) -> HandshakeReply:
    """Echo ``hub.challenge`` (200, text/plain) when mode and verify token match; 403 otherwise."""
    mode = query.get("hub.mode")
    token = query.get("hub.verify_token") or ""
    challenge = query.get("hub.challenge")
    expected = app.verify_token or ""
    token_ok = bool(expected) and hmac.compare_digest(token.encode(), expected.encode())
    if mode == "subscribe" and token_ok and challenge is not None:
        return HandshakeReply(200, challenge, "text/plain")
    return HandshakeReply(403, "verification failed", "text/plain")


def verify(body: bytes, headers: Mapping[str, str], app: AppCredentials) -> None:
    """Raise BadSignature unless ``X-Hub-Signature-256`` is the HMAC of the raw body (sha1 refused)."""
    check_signature_header(
        header(headers, SIGNATURE_HEADER), sign(body, app.secret), header_name=SIGNATURE_HEADER
    )


def _entry_time(entry: dict[str, Any]) -> datetime | None:
    value = entry.get("time")
    if value is None:
        return None
    # Messenger entries carry milliseconds; Graph change notifications carry seconds.
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 10**11:
        return from_epoch_ms(value, "entry[].time")
    return from_epoch_s(value, "entry[].time")


def _run(
    table: Mapping[str, Normaliser],
    event_type: str,
    ctx: EntryContext,
    item: dict[str, Any],
    events: list[ChannelEvent],
    ignored: list[IgnoredEvent],
) -> None:
    normaliser = table.get(event_type)
    if normaliser is None:
        ignored.append(IgnoredEvent(event_type, "unsupported event type"))
        return
    try:
        events.extend(normaliser(ctx, item))
    except Ignore as exc:
        ignored.append(IgnoredEvent(event_type, exc.reason))


def parse(body: bytes) -> ParsedWebhook:
    """Typed events of a verified Meta notification (``object`` page or instagram, every ``entry``)."""
    data = load_json_object(body)
    obj = data.get("object")
    if not isinstance(obj, str):
        raise InvalidWebhookPayload("Meta notification without an `object`")
    platform = OBJECT_PLATFORMS.get(obj)
    if platform is None:
        return ParsedWebhook(ignored=(IgnoredEvent(f"object.{obj}", "object not handled"),))
    events: list[ChannelEvent] = []
    ignored: list[IgnoredEvent] = []
    for index, entry in enumerate(require(data, "entry", list, "notification")):
        if not isinstance(entry, dict):
            raise InvalidWebhookPayload(f"entry[{index}] must be an object")
        ctx = EntryContext(platform, id_string(entry.get("id"), f"entry[{index}].id"), _entry_time(entry))
        items = entry.get("messaging") or entry.get("standby") or []
        changes = entry.get("changes") or []
        if not isinstance(items, list) or not isinstance(changes, list):
            raise InvalidWebhookPayload(f"entry[{index}] messaging/changes must be arrays")
        for item in items:
            if not isinstance(item, dict):
                raise InvalidWebhookPayload(f"entry[{index}].messaging[] must hold objects")
            _run(MESSAGING_NORMALISERS, messaging_event_type(item), ctx, item, events, ignored)
        for change in changes:
            if not isinstance(change, dict) or not isinstance(change.get("field"), str):
                raise InvalidWebhookPayload(f"entry[{index}].changes[] must hold objects with a field")
            _run(CHANGE_NORMALISERS, change_event_type(change), ctx, change, events, ignored)
    return ParsedWebhook(tuple(events), tuple(ignored))


class MetaWebhookConnector:
    """The :class:`~comptoir.channels.base.WebhookConnector` of ``/webhooks/meta/<app>``."""

    provider = "meta"

    def handshake(self, query: Mapping[str, str], app: AppCredentials) -> HandshakeReply:
        return handshake(query, app)

    def verify(self, body: bytes, headers: Mapping[str, str], app: AppCredentials) -> None:
        verify(body, headers, app)

    def parse(self, body: bytes) -> ParsedWebhook:
        return parse(body)
