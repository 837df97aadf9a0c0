"""X Account Activity notifications -> typed events: a table ``event array -> pure normalising function``.

* ``tweet_create_events``: v1.1 Tweets. The brand's own tweets (``user.id_str == for_user_id``) are
  :class:`EchoEvent`; retweets are ignored. ``in_reply_to`` is ``in_reply_to_status_id_str`` and
  ``thread_key`` the parent tweet (or the tweet itself for a thread root).
* ``direct_message_events``: ``message_create`` events; those sent by the brand are echoes
  (``app_id`` = ``source_app_id``). Thread key ``dm:<customer id>``.
* ``direct_message_mark_read_events`` (the customer read our DMs) -> ReadReceipt.
* ``tweet_delete_events`` -> MessageRemoved.
The ``users`` objects (inline ``user`` for tweets) give the author's followers count and verified flag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from comptoir import clock
from comptoir.channels.base import (
    UNROUTED_ACCOUNT_ID,
    ChannelEvent,
    EchoEvent,
    MessageEvent,
    MessageRemoved,
    ReadReceipt,
    RemovalKind,
    from_epoch_ms,
    id_string,
    optional,
    require,
)
from comptoir.domain.enums import Direction, Platform, Visibility
from comptoir.domain.models import Attachment, Author, InboundMessage
from comptoir.errors import InvalidWebhookPayload


class Ignore(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class XContext:
    for_user_id: str
    users: dict[str, Any] = field(default_factory=dict)


Normaliser = Callable[[XContext, dict[str, Any]], list[ChannelEvent]]

CREATED_AT_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def parse_created_at(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidWebhookPayload(f"{where} must be a date", details={"field": where})
    try:
        return datetime.strptime(value, CREATED_AT_FORMAT).astimezone(UTC)
    except ValueError as exc:
        raise InvalidWebhookPayload(f"{where} is not an X date", details={"field": where}) from exc


def author_from_user(user: dict[str, Any], fallback_id: str) -> Author:
    """v1.1 user object (or AAA ``users`` entry) -> Author with followers and verified flag."""
    followers = user.get("followers_count")
    return Author(
        external_id=str(user.get("id_str") or user.get("id") or fallback_id),
        handle=user.get("screen_name") if isinstance(user.get("screen_name"), str) else None,
        name=user.get("name") if isinstance(user.get("name"), str) else None,
        followers=followers if isinstance(followers, int) and not isinstance(followers, bool) else None,
        verified=user.get("verified") is True,
    )


def _media(entities: Any) -> tuple[Attachment, ...]:
    if not isinstance(entities, dict):
        return ()
    result = []
    for media in entities.get("media") or []:
        if isinstance(media, dict):
            url = media.get("media_url_https") or media.get("media_url")
            result.append(
                Attachment(kind=str(media.get("type") or "photo"), url=url if isinstance(url, str) else None)
            )
    return tuple(result)


def normalise_tweet(ctx: XContext, tweet: dict[str, Any]) -> list[ChannelEvent]:
    if "retweeted_status" in tweet:
        raise Ignore("retweet")
    tweet_id = id_string(tweet.get("id_str") or tweet.get("id"), "tweet.id_str")
    user = require(tweet, "user", dict, "tweet")
    author = author_from_user(user, "")
    if not author.external_id:
        raise InvalidWebhookPayload("tweet.user.id_str is missing")
    extended = tweet.get("extended_tweet") if isinstance(tweet.get("extended_tweet"), dict) else None
    text = (extended or {}).get("full_text") if tweet.get("truncated") and extended else tweet.get("text")
    if not isinstance(text, str):
        text = require(tweet, "full_text", str, "tweet")
    parent = tweet.get("in_reply_to_status_id_str")
    in_reply_to = str(parent) if parent else None
    mine = author.external_id == ctx.for_user_id
    message = InboundMessage(
        account_id=UNROUTED_ACCOUNT_ID,
        external_id=tweet_id,
        author=author,
        text=text,
        sent_at=parse_created_at(tweet.get("created_at"), "tweet.created_at"),
        visibility=Visibility.PUBLIC,
        in_reply_to=in_reply_to,
        attachments=_media(
            tweet.get("extended_entities") or (extended or {}).get("entities") or tweet.get("entities")
        ),
        raw=tweet,
        direction=Direction.OUTBOUND if mine else Direction.INBOUND,
        thread_key=in_reply_to or tweet_id,
    )
    if mine:
        source = tweet.get("source")
        return [
            EchoEvent(
                Platform.X, ctx.for_user_id, message, app_id=source if isinstance(source, str) else None
            )
        ]
    return [MessageEvent(Platform.X, ctx.for_user_id, message)]


def normalise_direct_message(ctx: XContext, event: dict[str, Any]) -> list[ChannelEvent]:
    if event.get("type") != "message_create":
        raise Ignore(f"direct message event type {event.get('type')!r}")
    event_id = id_string(event.get("id"), "direct_message_events[].id")
    create = require(event, "message_create", dict, "direct_message_events[]")
    sender = id_string(create.get("sender_id"), "message_create.sender_id")
    target = require(create, "target", dict, "message_create")
    recipient = id_string(target.get("recipient_id"), "message_create.target.recipient_id")
    data = require(create, "message_data", dict, "message_create")
    text = optional(data, "text", str, "message_data") or ""
    attachment = data.get("attachment")
    attachments: tuple[Attachment, ...] = ()
    if isinstance(attachment, dict) and isinstance(attachment.get("media"), dict):
        media = attachment["media"]
        url = media.get("media_url_https")
        attachments = (
            Attachment(kind=str(media.get("type") or "media"), url=url if isinstance(url, str) else None),
        )
    mine = sender == ctx.for_user_id
    customer = recipient if mine else sender
    user = ctx.users.get(sender)
    message = InboundMessage(
        account_id=UNROUTED_ACCOUNT_ID,
        external_id=event_id,
        author=author_from_user(user, sender) if isinstance(user, dict) else Author(external_id=sender),
        text=text,
        sent_at=from_epoch_ms(event.get("created_timestamp"), "direct_message_events[].created_timestamp"),
        visibility=Visibility.PRIVATE,
        attachments=attachments,
        raw=event,
        direction=Direction.OUTBOUND if mine else Direction.INBOUND,
        thread_key=f"dm:{customer}",
    )
    if mine:
        app_id = create.get("source_app_id")
        return [EchoEvent(Platform.X, ctx.for_user_id, message, app_id=str(app_id) if app_id else None)]
    return [MessageEvent(Platform.X, ctx.for_user_id, message)]


def normalise_dm_read(ctx: XContext, event: dict[str, Any]) -> list[ChannelEvent]:
    sender = id_string(event.get("sender_id"), "direct_message_mark_read_events[].sender_id")
    if sender == ctx.for_user_id:
        raise Ignore("the brand read a DM")
    last = event.get("last_read_event_id")
    created = event.get("created_timestamp")
    return [
        ReadReceipt(
            Platform.X,
            ctx.for_user_id,
            contact_external_id=sender,
            watermark=None,
            message_id=str(last) if last else None,
            read_at=from_epoch_ms(created, "created_timestamp") if created is not None else None,
        )
    ]


def normalise_tweet_delete(ctx: XContext, event: dict[str, Any]) -> list[ChannelEvent]:
    status = require(event, "status", dict, "tweet_delete_events[]")
    tweet_id = id_string(status.get("id"), "tweet_delete_events[].status.id")
    at = event.get("timestamp_ms")
    return [
        MessageRemoved(
            Platform.X,
            ctx.for_user_id,
            tweet_id,
            RemovalKind.REMOVED,
            from_epoch_ms(at, "timestamp_ms") if at is not None else None,
        )
    ]


def post_from_v2(
    post: dict[str, Any], users: dict[str, dict[str, Any]], account_id: str
) -> MessageEvent | EchoEvent:
    """A v2 Post (mentions timeline) -> the same event a webhook would give."""
    author_id = id_string(post.get("author_id"), "post.author_id")
    post_id = id_string(post.get("id"), "post.id")
    user = users.get(author_id, {})
    metrics = user.get("public_metrics")
    followers = metrics.get("followers_count") if isinstance(metrics, dict) else None
    in_reply_to = next(
        (str(ref["id"]) for ref in post.get("referenced_tweets") or [] if ref.get("type") == "replied_to"),
        None,
    )
    created = post.get("created_at")
    try:
        sent_at = datetime.fromisoformat(created).astimezone(UTC) if isinstance(created, str) else clock.now()
    except ValueError as exc:
        raise InvalidWebhookPayload("post.created_at is not ISO 8601") from exc
    mine = author_id == account_id
    message = InboundMessage(
        account_id=UNROUTED_ACCOUNT_ID,
        external_id=post_id,
        author=Author(
            external_id=author_id,
            handle=user.get("username"),
            name=user.get("name"),
            followers=followers if isinstance(followers, int) else None,
            verified=user.get("verified") is True,
        ),
        text=str(post.get("text") or ""),
        sent_at=sent_at,
        visibility=Visibility.PUBLIC,
        in_reply_to=in_reply_to,
        raw=post,
        direction=Direction.OUTBOUND if mine else Direction.INBOUND,
        thread_key=in_reply_to or post_id,
    )
    if mine:
        return EchoEvent(Platform.X, account_id, message)
    return MessageEvent(Platform.X, account_id, message)


def normalise_activity(envelope: dict[str, Any]) -> list[ChannelEvent]:
    """X Activity API ``post.mention.create`` / ``post.reply.create``: a v2 Post plus ``includes.users``."""
    filter_ = require(envelope, "filter", dict, "data")
    account = id_string(filter_.get("user_id"), "data.filter.user_id")
    post = require(envelope, "payload", dict, "data")
    includes = envelope.get("includes") if isinstance(envelope.get("includes"), dict) else {}
    users = {
        str(user["id"]): user
        for user in (includes or {}).get("users") or []
        if isinstance(user, dict) and user.get("id") is not None
    }
    return [post_from_v2(post, users, account)]


ACTIVITY_NORMALISERS: dict[str, Callable[[dict[str, Any]], list[ChannelEvent]]] = {
    "post.mention.create": normalise_activity,
    "post.reply.create": normalise_activity,
}
"""X Activity API (the Account Activity successor) event types handled; other ones are ignored."""


NORMALISERS: dict[str, Normaliser] = {
    "tweet_create_events": normalise_tweet,
    "direct_message_events": normalise_direct_message,
    "direct_message_mark_read_events": normalise_dm_read,
    "tweet_delete_events": normalise_tweet_delete,
}
"""Every event array Comptoir handles; any other ``*_events`` array (or ``user_event``) is ignored."""

ENVELOPE_KEYS = frozenset({"for_user_id", "user_has_blocked", "users", "apps", "source"})
