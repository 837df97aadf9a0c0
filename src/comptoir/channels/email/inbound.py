"""A parsed email to the backbone's :class:`~comptoir.domain.models.InboundMessage`."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from comptoir import clock
from comptoir.channels.email.loops import should_auto_reply
from comptoir.channels.email.parse import EmailAttachment, ParsedEmail
from comptoir.domain.enums import Direction, Visibility
from comptoir.domain.models import Attachment, Author, InboundMessage


def attachment_kind(mime_type: str) -> str:
    major = mime_type.split("/", 1)[0].lower()
    return major if major in ("image", "video", "audio") else "file"


def _attachment(item: EmailAttachment) -> Attachment:
    return Attachment(
        kind=attachment_kind(item.mime_type), name=item.name, mime_type=item.mime_type, size=item.size
    )


def raw_record(
    email: ParsedEmail, *, own_domains: Collection[str] = (), own_addresses: Collection[str] = ()
) -> dict[str, Any]:
    """A JSON-safe record of the message: every header (decoded, in order) and the derived fields."""
    allowed, reason = should_auto_reply(email, own_domains=own_domains, own_addresses=own_addresses)
    return {
        "headers": [[name, value] for name, value in email.headers],
        "message_id": email.message_id,
        "message_id_synthesised": email.message_id_synthesised,
        "in_reply_to": list(email.in_reply_to),
        "references": list(email.references),
        "subject": email.subject,
        "from": {"address": email.from_.address, "name": email.from_.name} if email.from_ else None,
        "to": [address.address for address in email.to],
        "cc": [address.address for address in email.cc],
        "reply_to": [address.address for address in email.reply_to],
        "date": email.date.isoformat() if email.date else None,
        "body_format": email.body_format,
        "auto_reply_allowed": allowed,
        "auto_reply_reason": reason,
        "attachments": [
            {"name": a.name, "mime_type": a.mime_type, "size": a.size, "inline": a.inline}
            for a in email.attachments
        ],
    }


def to_inbound_message(
    email: ParsedEmail,
    *,
    account_id: int,
    is_known: Callable[[str], bool] | None = None,
    own_addresses: Collection[str] = (),
    own_domains: Collection[str] = (),
) -> InboundMessage:
    """Map ``email`` to an InboundMessage.

    - ``external_id``: the bare Message-ID (the dedupe key).
    - ``author.external_id`` / ``handle``: the lowercased sender address; ``name``: the display name.
    - ``text``: the reply without quoted history (the full body when trimming leaves nothing).
    - ``in_reply_to``: with ``is_known`` (a lookup over stored inbound *and* outbound Message-IDs), the
      nearest known parent (In-Reply-To first, then References newest to oldest), or None; without it,
      the nearest declared parent.
    - ``thread_key``: the thread's root Message-ID (oldest reference), stable whatever the arrival order.
    - ``direction``: OUTBOUND when the sender is one of ``own_addresses`` (the brand wrote from another
      client and the copy reached the mailbox), else INBOUND.
    - ``sent_at``: the Date header (UTC), or ``clock.now()`` when absent or unparsable.
    - ``raw``: :func:`raw_record`.
    """
    candidates = email.thread_ids
    if is_known is None:
        parent = candidates[0] if candidates else None
    else:
        parent = next((candidate for candidate in candidates if is_known(candidate)), None)
    sender = email.from_
    address = sender.address if sender else "unknown@invalid"
    own = {item.lower() for item in own_addresses}
    return InboundMessage(
        account_id=account_id,
        external_id=email.message_id,
        author=Author(external_id=address, handle=address, name=sender.name if sender else None),
        text=email.reply_text,
        sent_at=email.date or clock.now(),
        visibility=Visibility.PRIVATE,
        in_reply_to=parent,
        attachments=tuple(_attachment(item) for item in email.attachments),
        raw=raw_record(email, own_domains=own_domains, own_addresses=own_addresses),
        direction=Direction.OUTBOUND if address in own else Direction.INBOUND,
        thread_key=email.thread_root,
    )
