"""The ingestion schema (the generic API channel) and its conversion to domain messages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from comptoir import clock
from comptoir.domain.enums import Direction, Visibility
from comptoir.domain.models import Attachment, Author, InboundMessage


class AuthorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    external_id: Annotated[str, Field(min_length=1, max_length=200)]
    handle: Annotated[str, Field(max_length=200)] | None = None
    name: Annotated[str, Field(max_length=300)] | None = None
    followers: Annotated[int, Field(ge=0)] | None = None
    verified: bool = False


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Annotated[str, Field(min_length=1, max_length=50)]
    url: Annotated[str, Field(max_length=2000)] | None = None
    name: Annotated[str, Field(max_length=500)] | None = None
    mime_type: Annotated[str, Field(max_length=200)] | None = None
    size: Annotated[int, Field(ge=0)] | None = None


class MessageIn(BaseModel):
    """One message posted to ``POST /api/v1/accounts/{account_id}/messages``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    external_id: Annotated[str, Field(min_length=1, max_length=200)]
    author: AuthorIn | None = None
    text: Annotated[str, Field(max_length=100_000)] = ""
    sent_at: AwareDatetime | None = None
    visibility: Literal["public", "private"] = "private"
    in_reply_to: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    thread_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    # A factory, not ``= []``: pydantic deep-copies a mutable default for every message it validates.
    attachments: Annotated[list[AttachmentIn], Field(max_length=50, default_factory=list)]
    direction: Literal["inbound", "outbound"] = "inbound"
    raw: Any = None

    def to_domain(self, account_id: int) -> InboundMessage:
        author = self.author
        return InboundMessage(
            account_id=account_id,
            external_id=self.external_id,
            author=Author(
                external_id=author.external_id,
                handle=author.handle,
                name=author.name,
                followers=author.followers,
                verified=author.verified,
            )
            if author is not None
            else _UNKNOWN_AUTHOR,
            text=self.text,
            sent_at=clock.ensure_utc(self.sent_at) if self.sent_at else clock.now(),
            visibility=_VISIBILITIES[self.visibility],
            in_reply_to=self.in_reply_to,
            attachments=tuple(
                Attachment(kind=a.kind, url=a.url, name=a.name, mime_type=a.mime_type, size=a.size)
                for a in self.attachments
            )
            if self.attachments
            else (),
            raw=self.raw,
            direction=_DIRECTIONS[self.direction],
            thread_key=self.thread_key,
        )


# Plain lookups: calling an Enum class costs more than the rest of a message's conversion.
_VISIBILITIES = {v.value: v for v in Visibility}
_DIRECTIONS = {d.value: d for d in Direction}
_UNKNOWN_AUTHOR = Author(external_id="unknown")  # frozen: one instance serves every message without one


class Accepted(BaseModel):
    id: int
    status: Literal["accepted", "duplicate"]


class BatchItem(BaseModel):
    external_id: str
    id: int
    status: Literal["accepted", "duplicate"]


class BatchAccepted(BaseModel):
    results: list[BatchItem]


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: Annotated[str, Field(min_length=1, max_length=20_000)]


class ConversationPatch(BaseModel):
    """A typed change: only the fields present are changed (``null`` clears assignee or team)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: Literal["open", "pending", "snoozed", "resolved"] | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    tags: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)] | None
    ) = None
