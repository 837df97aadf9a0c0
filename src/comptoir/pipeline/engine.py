"""The pipeline engine: run the ordered steps, record each result on the message, write back once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update

from comptoir import clock
from comptoir.actions.admin import account_from_row
from comptoir.domain.enums import Direction, ProcessingState, Visibility
from comptoir.events import Event, publish_on_commit
from comptoir.pipeline.context import MessageContext, Step
from comptoir.runtime import Runtime
from comptoir.store import tables as t

log = logging.getLogger(__name__)


def run_steps(ctx: MessageContext, steps: Sequence[Step]) -> None:
    for step in steps:
        result = step(ctx)
        entry: dict[str, Any] = {"step": step.name, "fired": result.fired, "reason": result.reason}
        if result.data:
            entry["data"] = result.data
        ctx.trail.append(entry)
        if result.stop:
            break


def process_message(
    runtime: Runtime, message_id: int, steps: Sequence[Step] | None = None
) -> MessageContext | None:
    """Run the pipeline over one stored message, in one transaction. Idempotent: a processed message is skipped."""
    from comptoir.pipeline.steps import STEPS

    with runtime.db.transaction() as tx:
        row = tx.conn.execute(select(t.messages).where(t.messages.c.id == message_id)).first()
        if row is None:
            log.warning("process_message: message %s does not exist", message_id)
            return None
        if row.processing_state == ProcessingState.PROCESSED.value:
            return None  # a redelivered job after a crash between commit and job completion
        account_row = tx.conn.execute(select(t.accounts).where(t.accounts.c.id == row.account_id)).one()
        ctx = MessageContext(
            tx=tx,
            settings=runtime.settings,
            account=account_from_row(account_row),
            message_id=row.id,
            direction=Direction(row.direction),
            visibility=Visibility(row.visibility),
            external_id=row.external_id,
            author=dict(row.author or {}),
            text=row.text,
            attachments=list(row.attachments or []),
            sent_at=row.sent_at,
            received_at=row.received_at,
            in_reply_to=row.in_reply_to,
            thread_key=row.thread_key,
            raw=row.raw,
        )
        run_steps(ctx, STEPS if steps is None else steps)
        tx.conn.execute(
            update(t.messages)
            .where(t.messages.c.id == message_id)
            .values(
                conversation_id=ctx.conversation_id,
                author_contact_id=ctx.contact_id,
                processing_state=ProcessingState.PROCESSED.value,
                pipeline_trail=ctx.trail,
                triage=ctx.triage,
            )
        )
        publish_on_commit(
            tx,
            Event(
                kind="message.processed",
                brand_id=ctx.account.brand_id,
                data={
                    "message_id": message_id,
                    "conversation_id": ctx.conversation_id,
                    "at": clock.isoformat_z(clock.now()),
                },
            ),
        )
    return ctx
