"""Meta notifications -> typed events: a table ``event type -> pure normalising function``.

Event types are ``messaging.<kind>`` for ``entry[].messaging[]`` / ``entry[].standby[]`` items and
``changes.<field>[.<item>]`` for ``entry[].changes[]``. A type missing from :data:`NORMALISERS` is reported
as ignored; a normaliser may also ignore one notification by raising :class:`Ignore`.

Thread keys (``InboundMessage.thread_key``):
* private messages: ``dm:<PSID or IGSID>`` (one private thread per customer and account);
* Facebook comments: the top-level comment id (a reply under a comment threads under its parent:
  ``parent_id`` when it differs from ``post_id``); ``in_reply_to`` is the parent comment or the post;
* Instagram comments: ``parent_id`` when present, else the comment's own id; ``in_reply_to`` is the parent
  comment or the media id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from comptoir.channels.base import (
    UNROUTED_ACCOUNT_ID,
    ChannelEvent,
    DeliveryReceipt,
    EchoEvent,
    MessageEdited,
    MessageEvent,
    MessageRemoved,
    ReadReceipt,
    RemovalKind,
    from_epoch_ms,
    from_epoch_s,
    id_string,
    optional,
    require,
)
from comptoir.domain.enums import Direction, Platform, Visibility
from comptoir.domain.models import Attachment, Author, InboundMessage


class Ignore(Exception):
    """Raised by a normaliser for a well-formed notification Comptoir does not handle."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class EntryContext:
    platform: Platform
    account_external_id: str  # entry[].id: the Page id or the Instagram professional account id
    entry_time: datetime | None


Normaliser = Callable[[EntryContext, dict[str, Any]], list[ChannelEvent]]

_ENVELOPE_KEYS = frozenset({"sender", "recipient", "timestamp"})


def messaging_event_type(item: dict[str, Any]) -> str:
    message = item.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return "messaging.message_echo"
        if message.get("is_deleted"):
            return "messaging.message_deleted"
        return "messaging.message"
    kinds = sorted(key for key in item if key not in _ENVELOPE_KEYS)
    return f"messaging.{kinds[0]}" if kinds else "messaging.empty"


def change_event_type(change: dict[str, Any]) -> str:
    field = change.get("field")
    value = change.get("value")
    if field == "feed" and isinstance(value, dict):
        return f"changes.feed.{value.get('item')}"
    return f"changes.{field}"


# --------------------------------------------------------------------------------------------------
# Private messages (Messenger, Instagram Direct)
# --------------------------------------------------------------------------------------------------


def _party(item: dict[str, Any], key: str) -> str:
    party = require(item, key, dict, "messaging[]")
    return id_string(party.get("id"), f"messaging[].{key}.id")


def _attachments(message: dict[str, Any]) -> tuple[Attachment, ...]:
    raw = optional(message, "attachments", list, "message") or []
    result = []
    for attachment in raw:
        if not isinstance(attachment, dict):
            continue
        payload = attachment.get("payload")
        url = (
            payload.get("url") if isinstance(payload, dict) and isinstance(payload.get("url"), str) else None
        )
        result.append(Attachment(kind=str(attachment.get("type") or "unknown"), url=url))
    return tuple(result)


def _message_parts(item: dict[str, Any]) -> tuple[dict[str, Any], str, str, datetime]:
    message = require(item, "message", dict, "messaging[]")
    mid = id_string(message.get("mid"), "message.mid")
    text = optional(message, "text", str, "message") or ""
    sent_at = from_epoch_ms(item.get("timestamp"), "messaging[].timestamp")
    return message, mid, text, sent_at


def _reply_to(message: dict[str, Any]) -> str | None:
    reply_to = message.get("reply_to")
    if isinstance(reply_to, dict) and isinstance(reply_to.get("mid"), str):
        return str(reply_to["mid"])
    return None


def normalise_message(ctx: EntryContext, item: dict[str, Any]) -> list[ChannelEvent]:
    message, mid, text, sent_at = _message_parts(item)
    sender = _party(item, "sender")
    inbound = InboundMessage(
        account_id=UNROUTED_ACCOUNT_ID,
        external_id=mid,
        author=Author(external_id=sender),
        text=text,
        sent_at=sent_at,
        visibility=Visibility.PRIVATE,
        in_reply_to=_reply_to(message),
        attachments=_attachments(message),
        raw=item,
        thread_key=f"dm:{sender}",
    )
    return [MessageEvent(ctx.platform, ctx.account_external_id, inbound)]


def normalise_echo(ctx: EntryContext, item: dict[str, Any]) -> list[ChannelEvent]:
    message, mid, text, sent_at = _message_parts(item)
    sender = _party(item, "sender")
    recipient = _party(item, "recipient")
    outbound = InboundMessage(
        account_id=UNROUTED_ACCOUNT_ID,
        external_id=mid,
        author=Author(external_id=sender),
        text=text,
        sent_at=sent_at,
        visibility=Visibility.PRIVATE,
        in_reply_to=_reply_to(message),
        attachments=_attachments(message),
        raw=item,
        direction=Direction.OUTBOUND,
        thread_key=f"dm:{recipient}",
    )
    app_id = message.get("app_id")
    metadata = message.get("metadata")
    return [
        EchoEvent(
            ctx.platform,
            ctx.account_external_id,
            outbound,
            app_id=str(app_id) if app_id is not None else None,
            metadata=metadata if isinstance(metadata, str) else None,
        )
    ]


def normalise_unsent(ctx: EntryContext, item: dict[str, Any]) -> list[ChannelEvent]:
    message = require(item, "message", dict, "messaging[]")
    mid = id_string(message.get("mid"), "message.mid")
    at = from_epoch_ms(item["timestamp"], "messaging[].timestamp") if "timestamp" in item else None
    return [MessageRemoved(ctx.platform, ctx.account_external_id, mid, RemovalKind.UNSENT, at)]


def normalise_edit(ctx: EntryContext, item: dict[str, Any]) -> list[ChannelEvent]:
    edit = require(item, "message_edit", dict, "messaging[]")
    mid = id_string(edit.get("mid"), "message_edit.mid")
    text = require(edit, "text", str, "message_edit")
    at = from_epoch_ms(item["timestamp"], "messaging[].timestamp") if "timestamp" in item else None
    return [MessageEdited(ctx.platform, ctx.account_external_id, mid, text, at)]


def normalise_delivery(ctx: EntryContext, item: dict[str, Any]) -> list[ChannelEvent]:
    delivery = require(item, "delivery", dict, "messaging[]")
    mids = optional(delivery, "mids", list, "delivery") or []
    watermark = delivery.get("watermark")
    return [
        DeliveryReceipt(
            ctx.platform,
            ctx.account_external_id,
            contact_external_id=_party(item, "sender"),
            message_ids=tuple(str(mid) for mid in mids),
            watermark=from_epoch_ms(watermark, "delivery.watermark") if watermark is not None else None,
        )
    ]


def normalise_read(ctx: EntryContext, item: dict[str, Any]) -> list[ChannelEvent]:
    read = require(item, "read", dict, "messaging[]")
    watermark = read.get("watermark")
    mid = read.get("mid")
    if watermark is None and mid is None:
        raise Ignore("read event without watermark or mid")
    timestamp = item.get("timestamp")
    return [
        ReadReceipt(
            ctx.platform,
            ctx.account_external_id,
            contact_external_id=_party(item, "sender"),
            watermark=from_epoch_ms(watermark, "read.watermark") if watermark is not None else None,
            message_id=str(mid) if mid is not None else None,
            read_at=from_epoch_ms(timestamp, "messaging[].timestamp") if timestamp is not None else None,
        )
    ]


# --------------------------------------------------------------------------------------------------
# Public comments (Facebook Page feed, Instagram comments)
# --------------------------------------------------------------------------------------------------


def _comment_time(value: dict[str, Any], ctx: EntryContext) -> datetime:
    created = value.get("created_time")
    if created is not None:
        return from_epoch_s(created, "value.created_time")
    if ctx.entry_time is not None:
        return ctx.entry_time
    raise Ignore("comment without created_time nor entry time")


def _public_event(ctx: EntryContext, message: InboundMessage, author_id: str | None) -> ChannelEvent:
    if author_id is not None and author_id == ctx.account_external_id:
        # The Page / IG account itself commented: our reply coming back, or a reply from the native app.
        outbound = InboundMessage(
            account_id=message.account_id,
            external_id=message.external_id,
            author=message.author,
            text=message.text,
            sent_at=message.sent_at,
            visibility=message.visibility,
            in_reply_to=message.in_reply_to,
            attachments=message.attachments,
            raw=message.raw,
            direction=Direction.OUTBOUND,
            thread_key=message.thread_key,
        )
        return EchoEvent(ctx.platform, ctx.account_external_id, outbound)
    return MessageEvent(ctx.platform, ctx.account_external_id, message)


def normalise_feed_comment(ctx: EntryContext, change: dict[str, Any]) -> list[ChannelEvent]:
    value = require(change, "value", dict, "changes[]")
    verb = require(value, "verb", str, "value")
    comment_id = id_string(value.get("comment_id"), "value.comment_id")
    text = optional(value, "message", str, "value") or ""
    if verb == "edited":
        created = value.get("created_time")
        at = from_epoch_s(created, "value.created_time") if created is not None else ctx.entry_time
        return [MessageEdited(ctx.platform, ctx.account_external_id, comment_id, text, at)]
    removal = {"remove": RemovalKind.REMOVED, "hide": RemovalKind.HIDDEN, "unhide": RemovalKind.UNHIDDEN}
    if verb in removal:
        return [
            MessageRemoved(ctx.platform, ctx.account_external_id, comment_id, removal[verb], ctx.entry_time)
        ]
    if verb != "add":
        raise Ignore(f"comment verb {verb!r} not handled")
    post_id = id_string(value.get("post_id"), "value.post_id")
    parent_id = value.get("parent_id")
    parent = id_string(parent_id, "value.parent_id") if parent_id is not None else post_id
    sender = value.get("from") if isinstance(value.get("from"), dict) else {}
    author_id = str(sender["id"]) if sender.get("id") is not None else None
    photo = value.get("photo")
    message = InboundMessage(
        account_id=UNROUTED_ACCOUNT_ID,
        external_id=comment_id,
        author=Author(
            external_id=author_id or "unknown",
            name=sender.get("name") if isinstance(sender.get("name"), str) else None,
        ),
        text=text,
        sent_at=_comment_time(value, ctx),
        visibility=Visibility.PUBLIC,
        in_reply_to=parent,
        attachments=(Attachment(kind="image", url=photo),) if isinstance(photo, str) else (),
        raw=change,
        thread_key=parent if parent != post_id else comment_id,
    )
    return [_public_event(ctx, message, author_id)]


def normalise_instagram_comment(ctx: EntryContext, change: dict[str, Any]) -> list[ChannelEvent]:
    value = require(change, "value", dict, "changes[]")
    comment_id = id_string(value.get("id", value.get("comment_id")), "value.id")
    text = optional(value, "text", str, "value") or ""
    sender = require(value, "from", dict, "value")
    author_id = id_string(sender.get("id"), "value.from.id")
    media = value.get("media") if isinstance(value.get("media"), dict) else {}
    media_id = str(media["id"]) if media.get("id") is not None else None
    parent_id = value.get("parent_id")
    parent = id_string(parent_id, "value.parent_id") if parent_id is not None else None
    message = InboundMessage(
        account_id=UNROUTED_ACCOUNT_ID,
        external_id=comment_id,
        author=Author(
            external_id=author_id,
            handle=sender.get("username") if isinstance(sender.get("username"), str) else None,
        ),
        text=text,
        sent_at=_comment_time(value, ctx),
        visibility=Visibility.PUBLIC,
        in_reply_to=parent or media_id,
        raw=change,
        thread_key=parent or comment_id,
    )
    return [_public_event(ctx, message, author_id)]


def normalise_changes_message(ctx: EntryContext, change: dict[str, Any]) -> list[ChannelEvent]:
    """Instagram dashboard "Test" payloads carry a messaging item in ``changes[].value``."""
    value = require(change, "value", dict, "changes[]")
    event_type = messaging_event_type(value)
    normaliser = MESSAGING_NORMALISERS.get(event_type)
    if normaliser is None:
        raise Ignore(f"{event_type} in changes not handled")
    return normaliser(ctx, value)


def _ignore(reason: str) -> Normaliser:
    def normaliser(ctx: EntryContext, item: dict[str, Any]) -> list[ChannelEvent]:
        raise Ignore(reason)

    return normaliser


MESSAGING_NORMALISERS: dict[str, Normaliser] = {
    "messaging.message": normalise_message,
    "messaging.message_echo": normalise_echo,
    "messaging.message_deleted": normalise_unsent,
    "messaging.message_edit": normalise_edit,
    "messaging.delivery": normalise_delivery,
    "messaging.read": normalise_read,
}

CHANGE_NORMALISERS: dict[str, Normaliser] = {
    "changes.feed.comment": normalise_feed_comment,
    "changes.comments": normalise_instagram_comment,
    "changes.messages": normalise_changes_message,
    "changes.mentions": _ignore("Instagram @mentions in captions/comments are not ingested yet"),
}

NORMALISERS: dict[str, Normaliser] = {**MESSAGING_NORMALISERS, **CHANGE_NORMALISERS}
"""Every event type Comptoir handles; everything else is ignored (answered 200 and logged)."""
