"""Enumerations shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    API = "api"
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    EMAIL = "email"
    WEBCHAT = "webchat"


class AccountKind(StrEnum):
    CORPORATE = "corporate"
    CARE = "care"
    REGIONAL = "regional"


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    AUTOMATIC = "automatic"
    NOTE = "note"


class ConversationStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class ProcessingState(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"


class JobStatus(StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"
    DEAD = "dead"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
