"""Build outbound mail: new messages and threaded replies (RFC 5322 §3.6.4)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime

from comptoir import clock
from comptoir.channels.email.loops import AUTOMATIC_HEADERS
from comptoir.channels.email.parse import EmailAddress, ParsedEmail, format_msgid

_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw|rif|r)\s*(\[\d+\])?\s*:", re.IGNORECASE)
#: Most IDs kept in References: the root plus the newest ones (long threads make huge headers).
MAX_REFERENCES = 20


def make_message_id(domain: str, *, key: str | None = None) -> str:
    """A bare Message-ID in our own ``domain``.

    With ``key`` (the outbox idempotency key) the ID is deterministic: a retried send carries the same
    Message-ID, so the copy that may already have been delivered and the retry dedupe downstream.
    """
    domain = domain.strip().lower().rstrip(".")
    if key is not None:
        token = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return f"comptoir.{token}@{domain}"
    return f"comptoir.{uuid.uuid4().hex}@{domain}"


def reply_subject(subject: str) -> str:
    """``Re: <subject>``, without stacking prefixes (``Re:``, ``RE:``, ``Re[2]:``, ``AW:``, ``SV:``)."""
    subject = subject.strip()
    if not subject:
        return "Re: (no subject)"
    if _REPLY_PREFIX.match(subject):
        return subject
    return f"Re: {subject}"


def reply_references(parent: ParsedEmail) -> tuple[str, ...]:
    """RFC 5322 §3.6.4: the parent's References (else its single In-Reply-To) followed by its Message-ID.

    A Message-ID we synthesised for a parent that had none is never sent out.
    """
    if parent.references:
        chain = list(parent.references)
    elif len(parent.in_reply_to) == 1:
        chain = [parent.in_reply_to[0]]
    else:
        chain = []
    if not parent.message_id_synthesised and parent.message_id not in chain:
        chain.append(parent.message_id)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return tuple(chain)


def build_email(
    *,
    from_address: str,
    to: Sequence[str],
    subject: str,
    text: str,
    domain: str,
    from_name: str | None = None,
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    cc: Sequence[str] = (),
    reply_to: str | None = None,
    automatic: bool = False,
) -> EmailMessage:
    """A complete RFC 5322 message: plain text, plus an HTML alternative when ``html`` is given.

    ``automatic`` adds :data:`~comptoir.channels.email.loops.AUTOMATIC_HEADERS` (``Auto-Submitted:
    auto-replied``) and ``X-Loop``: use it for acknowledgements, surveys and out-of-hours notices, never
    for an agent's reply.
    """
    if not to:
        raise ValueError("an email needs at least one recipient")
    message = EmailMessage()
    message["From"] = EmailAddress(from_address.lower(), from_name).formatted()
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = format_msgid(message_id or make_message_id(domain))
    if in_reply_to:
        message["In-Reply-To"] = format_msgid(in_reply_to)
    if references:
        message["References"] = " ".join(format_msgid(item) for item in references)
    if automatic:
        for name, value in AUTOMATIC_HEADERS:
            message[name] = value
        message["X-Loop"] = from_address.lower()
    message.set_content(text if text.endswith("\n") else text + "\n")
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def build_reply(
    parent: ParsedEmail,
    *,
    from_address: str,
    text: str,
    domain: str,
    from_name: str | None = None,
    html: str | None = None,
    message_id: str | None = None,
    automatic: bool = False,
    reply_to: str | None = None,
) -> EmailMessage:
    """A reply to ``parent``: to its Reply-To (else From), ``Re:`` subject, In-Reply-To and References."""
    recipients = parent.reply_to or ((parent.from_,) if parent.from_ else ())
    if not recipients:
        raise ValueError("the parent message has no sender address to reply to")
    return build_email(
        from_address=from_address,
        from_name=from_name,
        to=[recipient.formatted() for recipient in recipients],
        subject=reply_subject(parent.subject),
        text=text,
        html=html,
        domain=domain,
        message_id=message_id,
        in_reply_to=None if parent.message_id_synthesised else parent.message_id,
        references=reply_references(parent),
        reply_to=reply_to,
        automatic=automatic,
    )
