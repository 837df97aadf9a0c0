"""Job handlers: processing inbound messages and delivering outbound ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from comptoir import clock
from comptoir.actions.ingest import PROCESS_MESSAGE
from comptoir.actions.replies import DELIVER_MESSAGE, mark_delivery
from comptoir.channels.api.send import deliver
from comptoir.domain.enums import DeliveryStatus, Platform
from comptoir.errors import DeliveryFailed
from comptoir.jobs.registry import handler, on_dead
from comptoir.pipeline.engine import process_message
from comptoir.runtime import Runtime
from comptoir.store import tables as t


@handler(PROCESS_MESSAGE)
def handle_process_message(runtime: Runtime, payload: dict[str, Any]) -> None:
    process_message(runtime, int(payload["message_id"]))


@handler(DELIVER_MESSAGE)
def handle_deliver_message(runtime: Runtime, payload: dict[str, Any]) -> None:
    message_id = int(payload["message_id"])
    m, a = t.messages, t.accounts
    with runtime.db.read() as conn:
        row = conn.execute(
            select(
                m.c.id,
                m.c.text,
                m.c.conversation_id,
                m.c.in_reply_to,
                m.c.delivery_status,
                m.c.idempotency_key,
                m.c.visibility,
                a.c.platform,
                a.c.callback_url,
                a.c.callback_secret,
                a.c.id.label("account_id"),
            )
            .join(a, a.c.id == m.c.account_id)
            .where(m.c.id == message_id)
        ).one()
    if row.delivery_status == DeliveryStatus.SENT.value:
        return  # already delivered: the same reply is never sent twice
    if row.platform != Platform.API.value:
        raise DeliveryFailed(f"no connector delivers to platform {row.platform!r} yet", retryable=False)
    try:
        result = deliver(
            callback_url=row.callback_url,
            secret=row.callback_secret,
            payload={
                "type": "reply",
                "message_id": row.id,
                "conversation_id": row.conversation_id,
                "account_id": row.account_id,
                "in_reply_to": row.in_reply_to,
                "visibility": row.visibility,
                "text": row.text,
                "sent_at": clock.isoformat_z(clock.now()),
            },
            idempotency_key=f"comptoir-message-{row.id}",
            timeout=runtime.settings.delivery_timeout_seconds,
        )
    except DeliveryFailed as exc:
        if not exc.retryable:
            mark_delivery(runtime.db, message_id, status=DeliveryStatus.FAILED, error=exc.message)
            return
        raise
    mark_delivery(runtime.db, message_id, status=DeliveryStatus.SENT, provider_id=result.provider_id)


@on_dead(DELIVER_MESSAGE)
def delivery_gave_up(runtime: Runtime, payload: dict[str, Any]) -> None:
    mark_delivery(
        runtime.db,
        int(payload["message_id"]),
        status=DeliveryStatus.FAILED,
        error=f"gave up after repeated failures: {payload.get('error')}",
    )
