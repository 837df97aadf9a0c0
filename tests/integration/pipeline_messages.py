"""Test helper: one message through the real ingestion and pipeline."""

from __future__ import annotations

from datetime import datetime

from comptoir.actions.ingest import ingest
from comptoir.domain.enums import Direction, Visibility
from comptoir.domain.models import Author, InboundMessage
from comptoir.jobs.worker import Worker
from comptoir.runtime import Runtime


def receive(
    runtime: Runtime,
    account_id: int,
    external_id: str,
    *,
    author: Author,
    at: datetime,
    visibility: Visibility = Visibility.PUBLIC,
    direction: Direction = Direction.INBOUND,
    in_reply_to: str | None = None,
    text: str = "My card was charged twice for order 4411",
) -> int:
    """Ingest one message, run the pipeline, return the message id."""
    message = InboundMessage(
        account_id=account_id,
        external_id=external_id,
        author=author,
        text=text,
        sent_at=at,
        visibility=visibility,
        in_reply_to=in_reply_to,
        direction=direction,
    )
    (outcome,) = ingest(runtime.db, [message])
    Worker(runtime).run_until_idle()
    return outcome.message_id
