"""The typed context a message carries through the pipeline, and what each step reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from comptoir.domain.enums import Direction, Visibility
from comptoir.domain.models import Account
from comptoir.settings import Settings
from comptoir.store.db import Tx


@dataclass(frozen=True, slots=True)
class StepResult:
    """What a step decided: whether it fired (did something / matched) and why, in words an agent can read."""

    fired: bool
    reason: str
    data: dict[str, Any] | None = None
    stop: bool = False


@dataclass
class MessageContext:
    """Mutable working state for one message; steps fill it in, the engine writes it back."""

    tx: Tx
    settings: Settings
    account: Account
    message_id: int
    direction: Direction
    visibility: Visibility
    external_id: str | None
    author: dict[str, Any]
    text: str
    attachments: list[dict[str, Any]]
    sent_at: datetime
    received_at: datetime
    in_reply_to: str | None
    thread_key: str | None
    raw: Any = None
    effective_at: datetime = field(init=False)
    contact_id: int | None = None
    conversation_id: int | None = None
    conversation_created: bool = False
    reopened: bool = False
    triage: dict[str, Any] | None = None
    priority: int | None = None
    trail: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.effective_at = self.sent_at


class Step(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    def __call__(self, ctx: MessageContext) -> StepResult: ...
