"""Frozen dataclasses for the domain. Built from storage rows by the store layer; never do I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from comptoir.domain.enums import (
    AccountKind,
    ConversationStatus,
    DeliveryStatus,
    Direction,
    Platform,
    Role,
    Visibility,
)


@dataclass(frozen=True, slots=True)
class Brand:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Account:
    """A brand's presence on one platform (a Page, an X handle, a mailbox, an API source...)."""

    id: int
    brand_id: int
    platform: Platform
    external_id: str
    handle: str
    kind: AccountKind = AccountKind.CARE
    region: str | None = None
    redirect_to: int | None = None
    callback_url: str | None = None


@dataclass(frozen=True, slots=True)
class Author:
    """The author of an inbound message, as the platform describes them."""

    external_id: str
    handle: str | None = None
    name: str | None = None
    followers: int | None = None
    verified: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str
    url: str | None = None
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A normalised inbound message: what every channel turns a platform payload into."""

    account_id: int
    external_id: str
    author: Author
    text: str
    sent_at: datetime
    visibility: Visibility
    in_reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()
    raw: Any = None
    direction: Direction = Direction.INBOUND
    thread_key: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    brand_id: int
    display_name: str | None


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    brand_id: int
    person_id: int
    platform: Platform
    external_id: str
    handle: str | None
    display_name: str | None
    followers: int | None
    verified: bool
    language: str | None


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    brand_id: int
    account_id: int
    contact_id: int | None
    visibility: Visibility
    status: ConversationStatus
    priority: int
    assignee_id: int | None
    team_id: int | None
    tags: tuple[str, ...]
    first_inbound_at: datetime | None
    first_response_at: datetime | None
    waiting_since: datetime | None
    last_activity_at: datetime
    thread_root: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int | None
    account_id: int
    direction: Direction
    external_id: str | None
    author_contact_id: int | None
    author_agent_id: int | None
    text: str
    attachments: tuple[Attachment, ...]
    sent_at: datetime
    received_at: datetime
    in_reply_to: str | None
    raw: Any
    delivery_status: DeliveryStatus | None = None
    delivery_error: str | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    id: int
    email: str
    name: str
    role: Role = Role.AGENT
    brand_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    brand_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Tag:
    brand_id: int
    name: str


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    brand_id: int
    at: datetime
    actor: str
    action: str
    conversation_id: int | None
    message_id: int | None
    data: dict[str, Any]
