"""Raw RFC 5322 bytes to a typed, normalised email. Pure: no I/O, no clock.

Robust to what real mailboxes contain: missing or malformed headers, RFC 2047 encoded words, raw 8-bit
headers, unknown or lying charsets (declared charset, then UTF-8, then Windows-1252), HTML-only mail,
nested multiparts, attached messages. Message-IDs are stored *without* their angle brackets
(``abc@example.com``); :func:`format_msgid` adds them back for headers.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import formataddr, getaddresses, parseaddr, parsedate_to_datetime

from comptoir.channels.email.html_text import html_to_text
from comptoir.channels.email.quotes import trim_quoted

_MSGID = re.compile(r"<\s*([^<>\s]+?)\s*>")
_WS = re.compile(r"\s+")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_FALLBACK_CHARSETS = ("utf-8", "cp1252")
# Charset labels mail clients write that Python does not know under that name.
_CHARSET_ALIASES = {
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
}


@dataclass(frozen=True, slots=True)
class EmailAddress:
    address: str  # as written, but lowercased: the identity of a contact
    name: str | None = None

    def formatted(self) -> str:
        return formataddr((self.name or "", self.address))


@dataclass(frozen=True, slots=True)
class EmailAttachment:
    """Metadata of one attached (or inline, non-text) part; the content itself is not kept."""

    name: str | None
    mime_type: str
    size: int
    inline: bool = False
    content_id: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    message_id: str  # bare (no angle brackets); synthesised from a hash of the bytes when absent
    message_id_synthesised: bool
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_: EmailAddress | None
    reply_to: tuple[EmailAddress, ...]
    to: tuple[EmailAddress, ...]
    cc: tuple[EmailAddress, ...]
    subject: str
    date: datetime | None  # aware UTC; None when absent or unparsable
    text: str  # the full readable body (text/plain preferred, else HTML converted)
    body_format: str  # "plain", "html" or "none"
    html: str | None
    attachments: tuple[EmailAttachment, ...]
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    content_type: str = "text/plain"
    return_path: str | None = None

    @property
    def reply_text(self) -> str:
        """The body without quoted history (what the sender wrote this time)."""
        return trim_quoted(self.text)

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), decoded; None when absent."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def has_header(self, name: str) -> bool:
        return self.header(name) is not None

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Candidate parents, nearest first: In-Reply-To, then References from newest to oldest."""
        seen: list[str] = []
        for msgid in (*self.in_reply_to, *reversed(self.references)):
            if msgid not in seen and msgid != self.message_id:
                seen.append(msgid)
        return tuple(seen)

    @property
    def thread_root(self) -> str:
        """A stable key shared by a whole thread: the oldest reference, else the parent, else itself."""
        if self.references:
            return self.references[0]
        if self.in_reply_to:
            return self.in_reply_to[0]
        return self.message_id


# --------------------------------------------------------------------------------------------------
# Low-level helpers
# --------------------------------------------------------------------------------------------------


def format_msgid(msgid: str) -> str:
    """``abc@example.com`` -> ``<abc@example.com>`` (idempotent)."""
    bare = msgid.strip().strip("<>").strip()
    return f"<{bare}>"


def parse_msgids(value: str | None) -> tuple[str, ...]:
    """Message-IDs in a Message-ID/In-Reply-To/References value, bare, in order, without duplicates."""
    if not value:
        return ()
    found = _MSGID.findall(value)
    if not found:  # some clients forget the brackets
        found = [token.strip(",;") for token in value.split() if "@" in token]
    out: list[str] = []
    for msgid in found:
        if msgid and msgid not in out:
            out.append(msgid)
    return tuple(out)


def msgid_domain(msgid: str) -> str | None:
    bare = msgid.strip().strip("<>")
    if "@" not in bare:
        return None
    return bare.rsplit("@", 1)[1].lower().rstrip(".") or None


def _clean_str(value: str) -> str:
    """Repair surrogate-escaped raw 8-bit bytes (undeclared header charsets)."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
        return decode_bytes(raw, None)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode ``data`` with its declared charset, then UTF-8, then Windows-1252; never raises."""
    candidates: list[str] = []
    if charset:
        label = charset.strip().strip('"').lower()
        label = _CHARSET_ALIASES.get(label, label)
        try:
            candidates.append(codecs.lookup(label).name)
        except LookupError:
            pass
    for fallback in _FALLBACK_CHARSETS:
        if codecs.lookup(fallback).name not in candidates:
            candidates.append(fallback)
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def _raw_values(msg: Message, name: str) -> list[str]:
    """Every value of header ``name`` exactly as received (surrogate-escaped 8-bit bytes included)."""
    wanted = name.lower()
    return [str(value) for key, value in msg.raw_items() if key.lower() == wanted]


def _header_value(msg: Message, name: str) -> str | None:
    """The first value of one header, decoded (see :func:`_decode_header_value`); None when absent."""
    values = _raw_values(msg, name)
    return _decode_header_value(values[0]) if values else None


def _decode_header_value(raw: str) -> str:
    """Unfold, repair raw 8-bit bytes, decode RFC 2047 encoded words, collapse whitespace; never raises."""
    text = _clean_str(raw)
    if "=?" in text:
        decoded: str | None = None
        if text.isascii():
            try:
                decoded = str(make_header(decode_header(text)))
            except Exception:  # malformed encoded word: decode word by word below
                decoded = None
        text = decoded if decoded is not None else _decode_words(text)
    return _WS.sub(" ", text).strip()


def _decode_words(text: str) -> str:
    """Decode each RFC 2047 encoded word on its own (headers that mix them with raw 8-bit text)."""
    text = _BETWEEN_WORDS.sub(r"\1\2", text)

    def replace(match: re.Match[str]) -> str:
        charset, encoding, payload = match.groups()
        try:
            if encoding in "bB":
                data = base64.b64decode(payload + "=" * (-len(payload) % 4))
            else:
                data = quopri.decodestring(payload.encode("ascii"), header=True)
        except (ValueError, binascii.Error, UnicodeEncodeError):
            return match.group(0)
        return decode_bytes(data, charset.split("*", 1)[0])

    return _ENCODED_WORD.sub(replace, text)


def _addresses(values: list[str]) -> tuple[EmailAddress, ...]:
    out: list[EmailAddress] = []
    for name, address in getaddresses(values):
        address = address.strip().strip("<>").strip()
        if not address or "@" not in address:
            continue
        out.append(EmailAddress(address=address.lower(), name=name.strip() or None))
    return tuple(out)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:  # "-0000": RFC 5322 says UTC with no information on the local zone
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # broken base64/quoted-printable: use what is there
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _part_text(part: Message) -> str:
    return decode_bytes(_payload_bytes(part), part.get_content_charset())


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        name = part.get_param("name")  # type: ignore[assignment]
        if isinstance(name, tuple):
            name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
    if not isinstance(name, str):
        return None
    name = _decode_header_value(name)
    return name or None


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return True
    maintype = part.get_content_maintype()
    if maintype in ("text", "multipart"):
        return _filename(part) is not None and disposition != "inline"
    return True  # images, applications, attached messages (message/rfc822), ...


_MAX_DEPTH = 32


def _walk(part: Message, depth: int = 0) -> Iterator[Message]:
    """Leaf parts in order, not descending into attached messages (nor absurdly deep nesting)."""
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        if depth >= _MAX_DEPTH:
            return
        payload = part.get_payload()
        if isinstance(payload, list):
            for child in payload:
                if isinstance(child, Message):
                    yield from _walk(child, depth + 1)
        return
    yield part


def _choose_body(msg: Message) -> tuple[str, str, str | None, list[EmailAttachment]]:
    plain: str | None = None
    html: str | None = None
    attachments: list[EmailAttachment] = []
    for part in _walk(msg):
        content_type = part.get_content_type()
        if _is_attachment(part):
            content_id = part.get("Content-ID")
            attachments.append(
                EmailAttachment(
                    name=_filename(part),
                    mime_type=content_type,
                    size=len(_payload_bytes(part)) if not part.is_multipart() else len(part.as_bytes()),
                    inline=(part.get_content_disposition() or "").lower() == "inline",
                    content_id=parse_msgids(str(content_id))[0]
                    if content_id and parse_msgids(str(content_id))
                    else None,
                )
            )
            continue
        if content_type == "text/plain" and plain is None:
            text = _part_text(part)
            if text.strip():
                plain = text
        elif content_type == "text/html" and html is None:
            html = _part_text(part)
    if plain is not None:
        return _normalise_text(plain), "plain", html, attachments
    if html is not None:
        return _normalise_text(html_to_text(html)), "html", html, attachments
    return "", "none", None, attachments


def _normalise_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n").strip()


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one message as received (IMAP ``BODY[]``, an SMTP DATA payload, an ``.eml`` file)."""
    try:
        msg = message_from_bytes(raw, policy=policy.compat32)
    except RecursionError:  # hostile nesting that the stdlib parser cannot handle: headers only
        msg = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    headers: list[tuple[str, str]] = []
    for key, value in msg.raw_items():
        headers.append((key, _decode_header_value(str(value))))

    message_ids = parse_msgids(_header_value(msg, "Message-ID"))
    synthesised = not message_ids
    message_id = (
        message_ids[0] if message_ids else f"sha256-{hashlib.sha256(raw).hexdigest()[:40]}@comptoir.invalid"
    )

    from_values = [_decode_header_value(v) for v in _raw_values(msg, "From")]
    senders = _addresses(from_values)
    if not senders:
        senders = _addresses([_decode_header_value(v) for v in _raw_values(msg, "Sender")])

    return_path = None
    return_path_value = _header_value(msg, "Return-Path")
    if return_path_value is not None:
        return_path = parseaddr(return_path_value)[1].strip().lower()

    text, body_format, html, attachments = _choose_body(msg)
    return ParsedEmail(
        message_id=message_id,
        message_id_synthesised=synthesised,
        in_reply_to=parse_msgids(_header_value(msg, "In-Reply-To")),
        references=parse_msgids(" ".join(_decode_header_value(v) for v in _raw_values(msg, "References"))),
        from_=senders[0] if senders else None,
        reply_to=_addresses([_decode_header_value(v) for v in _raw_values(msg, "Reply-To")]),
        to=_addresses([_decode_header_value(v) for v in _raw_values(msg, "To")]),
        cc=_addresses([_decode_header_value(v) for v in _raw_values(msg, "Cc")]),
        subject=_header_value(msg, "Subject") or "",
        date=_parse_date(_header_value(msg, "Date")),
        text=text,
        body_format=body_format,
        html=html,
        attachments=tuple(attachments),
        headers=tuple(headers),
        content_type=msg.get_content_type(),
        return_path=return_path,
    )
