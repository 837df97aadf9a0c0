"""Streaming readers for replay files: the "Customer Support on Twitter" CSV, and JSON Lines of the
ingestion schema.

Both readers yield :class:`ReplayItem` one at a time and never hold the file in memory, so a 1M-line file
replays in constant memory. The bytes consumed so far are exposed through :class:`ByteCounter` for progress.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, cast

from comptoir.clock import ensure_utc, isoformat_z
from comptoir.errors import ValidationFailed

# Fields of the demo corpus that are instructions for the replayer, not part of the ingestion schema.
DEMO_ONLY_FIELDS = frozenset({"account", "delay_s", "expected"})

TWCS_COLUMNS = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
)
TWCS_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"


class ReplayFormat(StrEnum):
    TWCS = "twcs"
    JSONL = "jsonl"


class ReplayInputError(ValidationFailed):
    """A replay file, or one record of it, cannot be read."""


@dataclass(frozen=True, slots=True)
class ReplayItem:
    """One message to send: its ingestion payload plus what the pacer needs.

    ``sent_at`` is the platform timestamp (pacing by timestamp deltas); ``delay_s`` (demo corpus) is an
    explicit offset from the start of the replay and wins over ``sent_at`` when present. ``account`` is the
    demo account label ("care", "corporate"...) when the file names one. ``line`` is where the record starts,
    for error messages.
    """

    payload: dict[str, Any]
    sent_at: datetime | None = None
    delay_s: float | None = None
    account: str | None = None
    line: int = 0

    @property
    def external_id(self) -> str:
        return str(self.payload.get("external_id", ""))


@dataclass(frozen=True, slots=True)
class InvalidRecord:
    """A record that could not be turned into a message; counted as an error, the replay goes on."""

    line: int
    reason: str


class ByteCounter(io.RawIOBase):
    """A read-only raw stream that counts the bytes read from the stream it wraps (for the progress bar)."""

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self._inner = inner
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._inner.read(len(view))
        n = len(data)
        view[:n] = data
        self.bytes_read += n
        return n

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def detect_format(path: Path) -> ReplayFormat:
    """Tell the format by the extension (``.csv``, ``.jsonl``, ``.ndjson``, ``.json``, optionally ``.gz``),
    else by the first non-blank line: a JSON object means JSON Lines, a header naming the TWCS columns means
    CSV."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return ReplayFormat.TWCS
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return ReplayFormat.JSONL
    with _open_binary(path) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8", errors="replace"):
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("{"):
                return ReplayFormat.JSONL
            header = {column.strip().strip('"') for column in stripped.split(",")}
            if {"tweet_id", "author_id", "inbound", "created_at", "text"} <= header:
                return ReplayFormat.TWCS
            break
    raise ReplayInputError(
        f"cannot tell the format of {path}: expected a TWCS CSV (header with tweet_id, author_id, inbound, "
        "created_at, text...) or JSON Lines (one JSON object per line)"
    )


def parse_twcs_time(value: str) -> datetime:
    """Parse TWCS ``created_at`` (``Tue Oct 31 22:10:47 +0000 2017``) into an aware UTC datetime."""
    return ensure_utc(datetime.strptime(value.strip(), TWCS_TIME_FORMAT))  # noqa: DTZ007 - the format has %z


def _twcs_id(value: str) -> str | None:
    """TWCS ids are integers, parents are written as floats (``3.0``); empty means none."""
    value = value.strip()
    if not value:
        return None
    try:
        return str(int(float(value)))
    except ValueError:
        return value


def twcs_row_to_item(row: dict[str, str], line: int) -> ReplayItem:
    """Turn one TWCS row into a message: customer rows inbound, brand rows ``outbound`` (so that response
    times are the real ones)."""
    missing = [column for column in TWCS_COLUMNS if column not in row]
    if missing:
        raise ReplayInputError(f"line {line}: missing TWCS column(s) {', '.join(missing)}")
    tweet_id = _twcs_id(row["tweet_id"])
    if tweet_id is None:
        raise ReplayInputError(f"line {line}: empty tweet_id")
    try:
        sent_at = parse_twcs_time(row["created_at"])
    except ValueError as error:
        raise ReplayInputError(f"line {line}: bad created_at {row['created_at']!r}") from error
    inbound_flag = row["inbound"].strip().lower()
    if inbound_flag not in {"true", "false"}:
        raise ReplayInputError(f"line {line}: inbound must be True or False, got {row['inbound']!r}")
    author_id = row["author_id"].strip()
    payload: dict[str, Any] = {
        "external_id": tweet_id,
        "author": {
            "external_id": author_id,
            "handle": author_id,
            "name": None,
            "followers": None,
            "verified": False,
        },
        "text": row["text"],
        "sent_at": isoformat_z(sent_at),
        "visibility": "public",
        "in_reply_to": _twcs_id(row["in_response_to_tweet_id"]),
        "attachments": [],
        "raw": {key: value for key, value in row.items() if key},
        "direction": "inbound" if inbound_flag == "true" else "outbound",
    }
    return ReplayItem(payload=payload, sent_at=sent_at, line=line)


_CR_SENTINEL = "\ue000"  # a private-use character standing for a bare CR while the csv module parses a line


class _PhysicalLines:
    """Lines split on LF only, with bare CRs hidden from the csv module (which would end the record there).

    The TWCS export has unquoted fields with bare carriage returns (tweet 3399); pandas reads them with
    ``lineterminator='\\n'``. We do the same: only LF ends a line; CRs inside it are restored afterwards.
    """

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        for line in self._text:
            self.line += 1
            body, newline = (line[:-2], "\n") if line.endswith("\r\n") else (line.rstrip("\n"), "\n")
            yield body.replace("\r", _CR_SENTINEL) + newline


def _restore_cr(value: str | list[str] | None) -> str:
    if isinstance(value, list):  # more fields than the header has: csv.DictReader gathers them in a list
        value = ",".join(value)
    return (value or "").replace(_CR_SENTINEL, "\r")


def iter_twcs(stream: IO[bytes]) -> Iterator[ReplayItem | InvalidRecord]:
    """Stream a TWCS CSV (UTF-8, header row, optional unnamed pandas index column, bare CRs in fields)."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")
    lines = _PhysicalLines(text)
    reader = csv.DictReader(lines)
    if reader.fieldnames is None:
        return
    missing = [column for column in TWCS_COLUMNS if column not in reader.fieldnames]
    if missing:
        raise ReplayInputError(f"not a TWCS CSV: missing column(s) {', '.join(missing)}")
    line = lines.line + 1
    for row in reader:
        try:
            yield twcs_row_to_item({k or "": _restore_cr(v) for k, v in row.items()}, line)
        except ReplayInputError as error:
            yield InvalidRecord(line=line, reason=error.message)
        line = lines.line + 1


def _parse_sent_at(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return ensure_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def jsonl_record_to_item(record: Any, line: int) -> ReplayItem:
    """Turn one decoded JSON Lines record into a message; demo-only fields are lifted out of the payload."""
    if not isinstance(record, dict):
        raise ReplayInputError(f"line {line}: expected a JSON object, got {type(record).__name__}")
    external_id = record.get("external_id")
    if not isinstance(external_id, str) or not external_id:
        raise ReplayInputError(f"line {line}: external_id (a non-empty string) is required")
    delay = record.get("delay_s")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0):
        raise ReplayInputError(f"line {line}: delay_s must be a number >= 0")
    account = record.get("account")
    payload = {key: value for key, value in record.items() if key not in DEMO_ONLY_FIELDS}
    return ReplayItem(
        payload=payload,
        sent_at=_parse_sent_at(record.get("sent_at")),
        delay_s=float(delay) if delay is not None else None,
        account=account if isinstance(account, str) else None,
        line=line,
    )


def iter_jsonl(stream: IO[bytes]) -> Iterator[ReplayItem | InvalidRecord]:
    """Stream JSON Lines: one ingestion-schema object per line; blank lines skipped, bad lines reported."""
    for number, raw_line in enumerate(stream, start=1):
        if not raw_line.strip():
            continue
        try:
            record = json.loads(raw_line)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            yield InvalidRecord(line=number, reason=f"line {number}: invalid JSON ({error})")
            continue
        try:
            yield jsonl_record_to_item(record, number)
        except ReplayInputError as error:
            yield InvalidRecord(line=number, reason=error.message)


class ReplaySource:
    """An open replay file: iterate it for items; ``bytes_read`` / ``size`` drive the progress bar."""

    def __init__(self, path: Path, fmt: ReplayFormat | None = None) -> None:
        if not path.is_file():
            raise ReplayInputError(f"no such file: {path}")
        self.path = path
        self.format = fmt or detect_format(path)
        self.size = path.stat().st_size
        self._counter = ByteCounter(path.open("rb"))
        self._compressed = path.name.endswith(".gz")

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read

    def __iter__(self) -> Iterator[ReplayItem | InvalidRecord]:
        buffered: IO[bytes] = io.BufferedReader(self._counter, buffer_size=1 << 16)
        if self._compressed:
            buffered = cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
        if self.format is ReplayFormat.TWCS:
            return iter_twcs(buffered)
        return iter_jsonl(buffered)

    def close(self) -> None:
        self._counter.close()

    def __enter__(self) -> ReplaySource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
