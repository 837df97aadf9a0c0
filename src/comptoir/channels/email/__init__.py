"""The email channel: IMAP in, SMTP out, RFC 5322 threading, RFC 3834 loop prevention.

Self-contained (no dependency on the connector protocol): pure parsing and mapping functions plus a
blocking IMAP poller and an SMTP sender, which the ingestion and outbox layers drive.

- :func:`parse_email` raw bytes -> :class:`ParsedEmail`; :func:`to_inbound_message` -> InboundMessage
- :func:`should_auto_reply` (RFC 3834) -> ``(allowed, reason)``
- :func:`build_reply` / :func:`build_email` -> ``EmailMessage``; :func:`send_email` (SMTP)
- :class:`ImapPoller` with a :class:`WatermarkStore` (UIDVALIDITY + last UID), IDLE or polling
"""

from comptoir.channels.email.compose import (
    MAX_REFERENCES,
    build_email,
    build_reply,
    make_message_id,
    reply_references,
    reply_subject,
)
from comptoir.channels.email.html_text import html_to_text
from comptoir.channels.email.imap import (
    FetchedEmail,
    FileWatermarkStore,
    ImapConfig,
    ImapError,
    ImapPoller,
    MemoryWatermarkStore,
    Watermark,
    WatermarkStore,
)
from comptoir.channels.email.inbound import raw_record, to_inbound_message
from comptoir.channels.email.loops import AUTOMATIC_HEADERS, is_automatic, should_auto_reply
from comptoir.channels.email.parse import (
    EmailAddress,
    EmailAttachment,
    ParsedEmail,
    decode_bytes,
    format_msgid,
    msgid_domain,
    parse_email,
    parse_msgids,
)
from comptoir.channels.email.quotes import trim_quoted
from comptoir.channels.email.smtp import SendResult, SmtpConfig, send_email

__all__ = [
    "AUTOMATIC_HEADERS",
    "MAX_REFERENCES",
    "EmailAddress",
    "EmailAttachment",
    "FetchedEmail",
    "FileWatermarkStore",
    "ImapConfig",
    "ImapError",
    "ImapPoller",
    "MemoryWatermarkStore",
    "ParsedEmail",
    "SendResult",
    "SmtpConfig",
    "Watermark",
    "WatermarkStore",
    "build_email",
    "build_reply",
    "decode_bytes",
    "format_msgid",
    "html_to_text",
    "is_automatic",
    "make_message_id",
    "msgid_domain",
    "parse_email",
    "parse_msgids",
    "raw_record",
    "reply_references",
    "reply_subject",
    "send_email",
    "should_auto_reply",
    "to_inbound_message",
    "trim_quoted",
]
