"""Load and validate the demo corpus (``corpus.jsonl``, shipped as package data).

The corpus is ~340 customer messages written for this project (never copied from any data set) for a fictional
French internet and mobile operator, **Lumeo**: French and English (a few in es, de, it, pt, ja, ko), public
(X mentions, Facebook and Instagram comments) and private (X DMs, Messenger, Instagram DMs, e-mails), with threads,
repeat customers, influential authors, spam floods and a few replies the brand sent natively (``outbound``).

Each line is one message in the ingestion schema plus three demo-only fields: ``account`` (which of the four demo
accounts receives it), ``delay_s`` (seconds after the start of the demo when to send it; the file is in that order
and every reply comes after its parent) and ``expected`` (hand labels: intent, sentiment, urgency, lang,
needs_reply — the label set of ``care_gold_dev``; ``null`` for outbound messages).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from comptoir.clock import ensure_utc, isoformat_z, now
from comptoir.domain.enums import AccountKind, Direction, Visibility
from comptoir.domain.models import Attachment, Author
from comptoir.errors import ConfigurationError
from comptoir.replay.sources import ReplayItem

CORPUS_RESOURCE = "corpus.jsonl"

INTENTS = frozenset({"complaint", "request", "praise", "feedback", "spam", "other"})
SENTIMENTS = frozenset({"negative", "neutral", "positive"})
URGENCIES = frozenset({"high", "normal", "low"})
CHANNELS = frozenset({"x", "x_dm", "fb", "messenger", "ig", "ig_dm", "email"})
PRIVATE_CHANNELS = frozenset({"x_dm", "messenger", "ig_dm", "email"})


class CorpusError(ConfigurationError):
    """The shipped demo corpus is malformed (a packaging or editing mistake)."""


class DemoAccount(StrEnum):
    CORPORATE = "corporate"
    CARE = "care"
    REGION_NORTH = "region-north"
    REGION_SOUTH = "region-south"


@dataclass(frozen=True, slots=True)
class DemoAccountSpec:
    """How `comptoir demo` should create each demo account of the brand."""

    label: DemoAccount
    handle: str
    kind: AccountKind
    region: str | None


DEMO_BRAND_NAME = "Lumeo"
DEMO_ACCOUNTS: tuple[DemoAccountSpec, ...] = (
    DemoAccountSpec(DemoAccount.CORPORATE, "Lumeo", AccountKind.CORPORATE, None),
    DemoAccountSpec(DemoAccount.CARE, "LumeoCare", AccountKind.CARE, None),
    DemoAccountSpec(DemoAccount.REGION_NORTH, "LumeoNord", AccountKind.REGIONAL, "Hauts-de-France"),
    DemoAccountSpec(DemoAccount.REGION_SOUTH, "LumeoSud", AccountKind.REGIONAL, "Provence-Alpes-Côte d'Azur"),
)


@dataclass(frozen=True, slots=True)
class Expected:
    """Hand labels of an inbound demo message (same definitions as shared/data/care_gold_dev)."""

    intent: str
    sentiment: str
    urgency: str
    lang: str
    needs_reply: bool


@dataclass(frozen=True, slots=True)
class DemoMessage:
    external_id: str
    account: DemoAccount
    delay_s: float
    author: Author
    text: str
    sent_at: datetime
    visibility: Visibility
    direction: Direction
    in_reply_to: str | None
    attachments: tuple[Attachment, ...]
    raw: Any
    expected: Expected | None

    @property
    def channel(self) -> str:
        """The platform surface the message imitates (``x``, ``x_dm``, ``fb``, ``messenger``, ``ig``...)."""
        return str(self.raw.get("channel", "")) if isinstance(self.raw, dict) else ""

    def payload(self, sent_at: datetime | None = None) -> dict[str, Any]:
        """The ingestion-API body for this message; ``sent_at`` overrides the corpus timestamp."""
        return {
            "external_id": self.external_id,
            "author": {
                "external_id": self.author.external_id,
                "handle": self.author.handle,
                "name": self.author.name,
                "followers": self.author.followers,
                "verified": self.author.verified,
            },
            "text": self.text,
            "sent_at": isoformat_z(sent_at or self.sent_at),
            "visibility": str(self.visibility),
            "in_reply_to": self.in_reply_to,
            "attachments": [
                {"kind": a.kind, "url": a.url, "name": a.name, "mime_type": a.mime_type, "size": a.size}
                for a in self.attachments
            ],
            "raw": self.raw,
            "direction": str(self.direction),
        }


def _require(condition: bool, line: int, message: str) -> None:
    if not condition:
        raise CorpusError(f"demo corpus line {line}: {message}")


def _optional_str(value: Any, line: int, name: str) -> str | None:
    _require(value is None or isinstance(value, str), line, f"{name} must be a string or null")
    return value  # type: ignore[no-any-return]


def _author(value: Any, line: int) -> Author:
    _require(isinstance(value, dict), line, "author must be an object")
    external_id = value.get("external_id")
    _require(isinstance(external_id, str) and bool(external_id), line, "author.external_id is required")
    followers = value.get("followers")
    _require(
        followers is None
        or (isinstance(followers, int) and not isinstance(followers, bool) and followers >= 0),
        line,
        "author.followers must be a non-negative integer or null",
    )
    verified = value.get("verified", False)
    _require(isinstance(verified, bool), line, "author.verified must be a boolean")
    return Author(
        external_id=external_id,
        handle=_optional_str(value.get("handle"), line, "author.handle"),
        name=_optional_str(value.get("name"), line, "author.name"),
        followers=followers,
        verified=verified,
    )


def _attachments(value: Any, line: int) -> tuple[Attachment, ...]:
    _require(isinstance(value, list), line, "attachments must be a list")
    out = []
    for item in value:
        _require(
            isinstance(item, dict) and isinstance(item.get("kind"), str), line, "attachment needs a kind"
        )
        size = item.get("size")
        _require(size is None or (isinstance(size, int) and size >= 0), line, "attachment size must be >= 0")
        out.append(
            Attachment(
                kind=item["kind"],
                url=_optional_str(item.get("url"), line, "attachment.url"),
                name=_optional_str(item.get("name"), line, "attachment.name"),
                mime_type=_optional_str(item.get("mime_type"), line, "attachment.mime_type"),
                size=size,
            )
        )
    return tuple(out)


def _expected(value: Any, direction: Direction, line: int) -> Expected | None:
    if direction is Direction.OUTBOUND:
        _require(value is None, line, "outbound messages carry no expected labels")
        return None
    _require(isinstance(value, dict), line, "inbound messages need expected labels")
    _require(value.get("intent") in INTENTS, line, f"bad intent {value.get('intent')!r}")
    _require(value.get("sentiment") in SENTIMENTS, line, f"bad sentiment {value.get('sentiment')!r}")
    _require(value.get("urgency") in URGENCIES, line, f"bad urgency {value.get('urgency')!r}")
    lang = value.get("lang")
    _require(isinstance(lang, str) and len(lang) in (2, 3), line, f"bad lang {lang!r}")
    _require(isinstance(value.get("needs_reply"), bool), line, "needs_reply must be a boolean")
    return Expected(value["intent"], value["sentiment"], value["urgency"], lang, value["needs_reply"])


def parse_message(record: Any, line: int) -> DemoMessage:
    """Validate one decoded corpus line."""
    _require(isinstance(record, dict), line, "expected a JSON object")
    external_id = record.get("external_id")
    _require(isinstance(external_id, str) and bool(external_id), line, "external_id is required")
    try:
        account = DemoAccount(record.get("account"))
        visibility = Visibility(record.get("visibility"))
        direction = Direction(record.get("direction", "inbound"))
    except ValueError as error:
        raise CorpusError(f"demo corpus line {line}: {error}") from error
    _require(
        direction in (Direction.INBOUND, Direction.OUTBOUND), line, "direction must be inbound or outbound"
    )
    delay = record.get("delay_s")
    _require(
        isinstance(delay, int | float) and not isinstance(delay, bool) and delay >= 0, line, "bad delay_s"
    )
    text = record.get("text")
    _require(isinstance(text, str) and bool(text.strip()), line, "text is required")
    try:
        sent_at = ensure_utc(datetime.fromisoformat(str(record.get("sent_at")).replace("Z", "+00:00")))
    except ValueError as error:
        raise CorpusError(f"demo corpus line {line}: bad sent_at ({error})") from error
    raw = record.get("raw")
    _require(
        isinstance(raw, dict) and raw.get("channel") in CHANNELS, line, "raw.channel must name a channel"
    )
    _require(
        (raw["channel"] in PRIVATE_CHANNELS) == (visibility is Visibility.PRIVATE),
        line,
        "visibility does not match the channel",
    )
    in_reply_to = _optional_str(record.get("in_reply_to"), line, "in_reply_to")
    _require(
        in_reply_to is None or visibility is Visibility.PUBLIC, line, "only public messages reply in threads"
    )
    return DemoMessage(
        external_id=external_id,
        account=account,
        delay_s=float(delay),
        author=_author(record.get("author"), line),
        text=text,
        sent_at=sent_at,
        visibility=visibility,
        direction=direction,
        in_reply_to=in_reply_to,
        attachments=_attachments(record.get("attachments", []), line),
        raw=raw,
        expected=_expected(record.get("expected"), direction, line),
    )


def parse_corpus(text: str) -> tuple[DemoMessage, ...]:
    """Parse and validate a whole corpus: unique ids, non-decreasing delays, replies after their parents."""
    messages: list[DemoMessage] = []
    seen: set[str] = set()
    last_delay = 0.0
    for number, raw_line in enumerate(text.splitlines(), start=1):
        if not raw_line.strip():
            continue
        try:
            record = json.loads(raw_line)
        except json.JSONDecodeError as error:
            raise CorpusError(f"demo corpus line {number}: invalid JSON ({error})") from error
        message = parse_message(record, number)
        _require(message.external_id not in seen, number, f"duplicate external_id {message.external_id}")
        _require(
            message.delay_s >= last_delay, number, "delay_s must not decrease (the demo is sent in order)"
        )
        _require(
            message.in_reply_to is None or message.in_reply_to in seen,
            number,
            f"in_reply_to {message.in_reply_to} is not an earlier message of the corpus",
        )
        seen.add(message.external_id)
        last_delay = message.delay_s
        messages.append(message)
    return tuple(messages)


@cache
def _load() -> tuple[DemoMessage, ...]:
    text = resources.files("comptoir.demo").joinpath(CORPUS_RESOURCE).read_text(encoding="utf-8")
    return parse_corpus(text)


def load_corpus() -> list[DemoMessage]:
    """The demo corpus, validated, in sending order (parsed once per process)."""
    return list(_load())


def demo_replay_items(start: datetime | None = None) -> list[ReplayItem]:
    """The corpus as replay items whose ``sent_at`` is ``start + delay_s`` (default start: now), labelled with
    their demo account; send them with ``replay_items(..., account={label: account_id}, options=
    ReplayOptions(speed=1.0))`` to stream the demo over about four minutes."""
    origin = ensure_utc(start) if start is not None else now()
    items = []
    for message in _load():
        sent_at = origin + timedelta(seconds=message.delay_s)
        items.append(
            ReplayItem(
                payload=message.payload(sent_at),
                sent_at=sent_at,
                delay_s=message.delay_s,
                account=str(message.account),
            )
        )
    return items
