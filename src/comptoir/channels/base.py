"""The connector protocol: one shape for every platform.

A platform package (``channels/meta``, ``channels/x``) provides two things:

* a :class:`WebhookConnector` (one per *provider*, i.e. per ``/webhooks/<provider>/<app>`` route): the
  subscription handshake, the signature check over the raw body (constant time), and parsing into
  typed events through a table ``event type -> pure normalising function``;
* a :class:`Connector` (one per :class:`~comptoir.domain.enums.Platform`): outbound sends through httpx
  with a configurable base URL, so that the simulators stand in for the real APIs.

Routing: every parsed event carries ``account_external_id`` (Meta ``entry[].id``: the Page id or the
Instagram professional account id; X ``for_user_id``). The ``InboundMessage`` inside a
:class:`MessageEvent` / :class:`EchoEvent` has ``account_id == 0``: the ingestion code looks up the
``Account`` row by ``(platform, account_external_id)`` and calls :meth:`MessageEvent.for_account`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeAlias, runtime_checkable

from comptoir.domain.enums import Platform
from comptoir.domain.models import InboundMessage
from comptoir.errors import BadSignature, InvalidJson, InvalidWebhookPayload

# --------------------------------------------------------------------------------------------------
# Parsed events
# --------------------------------------------------------------------------------------------------

UNROUTED_ACCOUNT_ID = 0
"""``InboundMessage.account_id`` of a freshly parsed message: not yet mapped to an Account row."""


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """A message written by a customer (DM, comment, mention, reply). ``message.direction`` is INBOUND."""

    platform: Platform
    account_external_id: str
    message: InboundMessage

    def for_account(self, account_id: int) -> InboundMessage:
        """The message routed to the Account row ``account_id``."""
        return dataclasses.replace(self.message, account_id=account_id)


@dataclass(frozen=True, slots=True)
class EchoEvent:
    """Something the brand's own account published (``message.direction`` is OUTBOUND).

    Either the echo of a send Comptoir made (its ``message.external_id`` equals the provider id stored at
    send time, or ``metadata`` carries the idempotency key we passed to Meta: dedupe / reconcile), or a
    reply a human posted from the native app (unknown id: store it as an outbound message).
    """

    platform: Platform
    account_external_id: str
    message: InboundMessage
    app_id: str | None = None
    metadata: str | None = None

    def for_account(self, account_id: int) -> InboundMessage:
        return dataclasses.replace(self.message, account_id=account_id)


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """The customer's device received our messages: the ``message_ids`` or everything before ``watermark``."""

    platform: Platform
    account_external_id: str
    contact_external_id: str
    message_ids: tuple[str, ...]
    watermark: datetime | None


@dataclass(frozen=True, slots=True)
class ReadReceipt:
    """The customer read our messages: up to ``watermark`` (Messenger) or up to ``message_id`` (IG, X)."""

    platform: Platform
    account_external_id: str
    contact_external_id: str
    watermark: datetime | None
    message_id: str | None
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class MessageEdited:
    """A comment (or Messenger message) was edited by its author: new text for ``external_id``."""

    platform: Platform
    account_external_id: str
    external_id: str
    text: str
    edited_at: datetime | None


class RemovalKind(StrEnum):
    REMOVED = "removed"  # deleted by its author or by the page (FB verb remove, X tweet delete)
    UNSENT = "unsent"  # DM unsent by the customer (IG is_deleted)
    HIDDEN = "hidden"  # hidden by the page (FB verb hide)
    UNHIDDEN = "unhidden"  # visible again (FB verb unhide)


@dataclass(frozen=True, slots=True)
class MessageRemoved:
    """The visibility of ``external_id`` changed on the platform (see :class:`RemovalKind`)."""

    platform: Platform
    account_external_id: str
    external_id: str
    kind: RemovalKind
    at: datetime | None


ChannelEvent: TypeAlias = (
    MessageEvent | EchoEvent | DeliveryReceipt | ReadReceipt | MessageEdited | MessageRemoved
)


@dataclass(frozen=True, slots=True)
class IgnoredEvent:
    """A well-formed notification Comptoir does not handle: answer 2xx, log it, do nothing."""

    event_type: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedWebhook:
    events: tuple[ChannelEvent, ...] = ()
    ignored: tuple[IgnoredEvent, ...] = ()

    def __add__(self, other: ParsedWebhook) -> ParsedWebhook:
        return ParsedWebhook(self.events + other.events, self.ignored + other.ignored)


# --------------------------------------------------------------------------------------------------
# Webhook side
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppCredentials:
    """A platform app (``comptoir platform-app create``): what verifies its webhooks.

    Meta: ``secret`` = app secret, ``verify_token`` = the dashboard's verify token.
    X: ``secret`` = consumer secret (API secret key); ``verify_token`` unused.
    """

    secret: str
    verify_token: str | None = None


@dataclass(frozen=True, slots=True)
class HandshakeReply:
    """What the GET subscription check must answer: status, body and media type."""

    status: int
    body: str
    media_type: str


Normaliser = Callable[..., list[ChannelEvent]]


@runtime_checkable
class WebhookConnector(Protocol):
    """The receiving side of a provider (``/webhooks/<provider>/<app id>``)."""

    provider: str

    def handshake(self, query: Mapping[str, str], app: AppCredentials) -> HandshakeReply:
        """Answer the platform's GET check (Meta hub.challenge, X CRC)."""
        ...

    def verify(self, body: bytes, headers: Mapping[str, str], app: AppCredentials) -> None:
        """Raise :class:`comptoir.errors.BadSignature` unless ``body`` is signed with the app's secret."""
        ...

    def parse(self, body: bytes) -> ParsedWebhook:
        """Typed events and ignored notifications of a *verified* body.

        Raise InvalidWebhookPayload / InvalidJson for a body the platform cannot have sent.
        """
        ...


# --------------------------------------------------------------------------------------------------
# Sending side
# --------------------------------------------------------------------------------------------------


class ReplyKind(StrEnum):
    DIRECT = "direct"  # a private message to recipient_id (Messenger, IG DM, X DM)
    PUBLIC = "public"  # a public reply under in_reply_to (comment reply, reply tweet)
    PRIVATE_TO_COMMENT = "private_to_comment"  # Meta private reply to the comment in_reply_to


@dataclass(frozen=True, slots=True)
class AccountCredentials:
    """The brand account that sends: its external id and (decrypted) access token.

    ``app_secret`` (Meta) adds ``appsecret_proof``; ``human_agent`` says the Meta app holds the Human Agent
    feature, which allows replies up to 7 days after the customer's last message.
    """

    external_id: str
    access_token: str
    app_secret: str | None = None
    human_agent: bool = False
    # The account's settings (secrets decrypted): SMTP server for email, callback URL for the API channel.
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboundRequest:
    kind: ReplyKind
    text: str
    recipient_id: str | None = None  # DIRECT: PSID / IGSID / X user id
    in_reply_to: str | None = None  # PUBLIC / PRIVATE_TO_COMMENT: comment id or tweet id
    last_customer_message_at: datetime | None = None  # Meta DIRECT: opens the 24 h / 7 d window
    in_reply_to_created_at: datetime | None = None  # Meta PRIVATE_TO_COMMENT: the 7-day rule
    idempotency_key: str | None = None  # Meta: sent as `metadata`, echoed back in the echo event
    # What the outbox knows besides (message id, conversation id, subject and references of the parent
    # email...), for connectors that need it; platform connectors ignore it.
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SendResult:
    """The platform accepted the message: store ``provider_id`` as the message's external id."""

    provider_id: str
    recipient_id: str | None = None  # Meta private reply: the PSID/IGSID of the new private conversation
    conversation_id: str | None = None  # X DM conversation id
    raw: Any = None


@runtime_checkable
class Connector(Protocol):
    """The sending side of one platform."""

    platform: Platform

    def send(self, account: AccountCredentials, request: OutboundRequest) -> SendResult:
        """Deliver ``request``; raise DeliveryFailed (or a subclass) with ``retryable`` set."""
        ...


# --------------------------------------------------------------------------------------------------
# Helpers shared by the platform packages
# --------------------------------------------------------------------------------------------------


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def check_signature_header(header_value: str | None, expected: str, *, header_name: str) -> None:
    """Compare ``header_value`` with ``expected`` in constant time; raise BadSignature when they differ."""
    if not header_value:
        raise BadSignature(f"missing {header_name} header", details={"header": header_name})
    if not hmac.compare_digest(header_value.strip().encode("ascii", "replace"), expected.encode("ascii")):
        raise BadSignature(f"{header_name} does not match the body", details={"header": header_name})


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup on any mapping (Starlette Headers are already case-insensitive)."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


def load_json_object(body: bytes) -> dict[str, Any]:
    """Decode a webhook body; anything but a JSON object cannot come from a platform."""
    try:
        data = json.loads(body)
    except UnicodeDecodeError as exc:
        raise InvalidJson("webhook body is not UTF-8 JSON") from exc
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"webhook body is not JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise InvalidWebhookPayload("webhook body must be a JSON object")
    return data


def require(mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """Validated access to a payload field: present and of the expected JSON type."""
    if not isinstance(mapping, Mapping):
        raise InvalidWebhookPayload(f"{where} must be an object")
    value = mapping.get(key)
    if value is None or not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InvalidWebhookPayload(f"{where}.{key} is missing or has the wrong type", details={"field": key})
    return value


def optional(mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = mapping.get(key)
    if value is None:
        return None
    if not isinstance(value, kind):
        raise InvalidWebhookPayload(f"{where}.{key} has the wrong type", details={"field": key})
    return value


def id_string(value: Any, where: str) -> str:
    """Platform ids arrive as strings or integers; always handle them as strings."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise InvalidWebhookPayload(f"{where} must be an id", details={"field": where})
    return str(value)


def from_epoch_ms(value: Any, where: str) -> datetime:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidWebhookPayload(f"{where} must be an epoch timestamp", details={"field": where})
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def from_epoch_s(value: Any, where: str) -> datetime:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidWebhookPayload(f"{where} must be an epoch timestamp", details={"field": where})
    return datetime.fromtimestamp(value, tz=UTC)
