"""Deliver one outbound message through its platform's connector (the ``deliver_message`` job).

:func:`deliver_outbound` is the whole send path, the same for every platform (a registry lookup, never an
``if platform``):

1. load the message, its account (token decrypted), its conversation and customer;
2. skip a message already ``sent`` (a retried job, or an echo that already reconciled a timed-out send);
3. store the idempotency key (``comptoir-message-<id>``) *before* sending; Meta receives it as
   ``metadata`` and echoes it back, email derives its Message-ID from it;
4. choose the :class:`~comptoir.channels.base.ReplyKind` from the conversation: public thread -> PUBLIC
   (in the thread, under the message answered), private -> DIRECT to the customer; a message whose raw
   says ``{"reply_kind": "private_to_comment"}`` (the explicit "move to private" action) -> Meta private
   reply to the comment;
5. ``connector_for(platform).send(...)``; success -> :func:`comptoir.channels.inbox.mark_sent` (provider
   id stored, public thread linked so that answers to our reply join the conversation).

Failures: permanent ones (window closed, token revoked, too long, 4xx, no configuration) mark the message
``failed`` with the connector's reason, shown to the agent; transient ones raise
:class:`~comptoir.errors.DeliveryFailed` (retryable) and the worker retries with backoff — at the
platform's reset time for a 429 (``details["retry_after_seconds"]``), and not before
:data:`ECHO_GRACE_SECONDS` after a timeout whose outcome is unknown, so that the platform's echo can
reconcile the send instead of a second send.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import func, select, update

from comptoir.actions.replies import mark_delivery
from comptoir.channels.apps import account_credentials
from comptoir.channels.base import OutboundRequest, ReplyKind
from comptoir.channels.inbox import mark_sent, outbox_key
from comptoir.channels.registry import ConnectorConfig, connector_for, register_connector
from comptoir.domain.enums import DeliveryStatus, Direction, Platform, Visibility
from comptoir.errors import ComptoirError, DeliveryFailed
from comptoir.runtime import Runtime
from comptoir.store import tables as t

log = logging.getLogger(__name__)

#: After a send timed out (outcome unknown), wait at least this long before trying again: the echo of
#: an accepted message arrives in the meantime and marks it sent.
ECHO_GRACE_SECONDS = 2.0

_registered = False
_lock = threading.Lock()


def register_builtin_connectors() -> None:
    """Email, web chat and API connectors join Meta and X in the registry (idempotent)."""
    global _registered
    with _lock:
        if _registered:
            return
        _registered = True
    from comptoir.channels.api.connector import ApiConnector
    from comptoir.channels.email.connector import EmailConnector
    from comptoir.channels.webchat.connector import WebchatConnector

    def api(config: ConnectorConfig) -> ApiConnector:
        return ApiConnector(config)

    def email(config: ConnectorConfig) -> EmailConnector:
        return EmailConnector(config)

    def webchat(config: ConnectorConfig) -> WebchatConnector:
        return WebchatConnector(config)

    register_connector(Platform.API, api)
    register_connector(Platform.EMAIL, email)
    register_connector(Platform.WEBCHAT, webchat)


def _load(runtime: Runtime, message_id: int) -> Any:
    m, a, c, k, p = t.messages, t.accounts, t.conversations, t.contacts, t.platform_apps
    with runtime.db.read() as conn:
        return conn.execute(
            select(
                m.c.id,
                m.c.text,
                m.c.conversation_id,
                m.c.in_reply_to,
                m.c.delivery_status,
                m.c.idempotency_key,
                m.c.raw,
                a.c.id.label("account_id"),
                a.c.platform,
                a.c.external_id,
                a.c.access_token_enc,
                a.c.settings,
                a.c.callback_url,
                a.c.callback_secret,
                p.c.secrets_enc.label("app_secrets_enc"),
                c.c.visibility.label("conversation_visibility"),
                k.c.external_id.label("contact_external_id"),
            )
            .join(a, a.c.id == m.c.account_id)
            .outerjoin(p, p.c.id == a.c.app_id)
            .outerjoin(c, c.c.id == m.c.conversation_id)
            .outerjoin(k, k.c.id == c.c.contact_id)
            .where(m.c.id == message_id)
        ).one()


def _conversation_facts(runtime: Runtime, row: Any) -> tuple[Any, Any, Any]:
    """(last customer message time, time of the message answered, raw of the message answered)."""
    m = t.messages
    with runtime.db.read() as conn:
        last_inbound = conn.execute(
            select(func.max(m.c.sent_at)).where(
                m.c.conversation_id == row.conversation_id, m.c.direction == Direction.INBOUND.value
            )
        ).scalar_one_or_none()
        parent = None
        if row.in_reply_to:
            parent = conn.execute(
                select(m.c.sent_at, m.c.raw).where(
                    m.c.account_id == row.account_id, m.c.external_id == row.in_reply_to
                )
            ).first()
    return last_inbound, parent.sent_at if parent else None, parent.raw if parent else None


def reply_kind(row: Any) -> ReplyKind:
    raw = row.raw if isinstance(row.raw, dict) else {}
    if raw.get("reply_kind"):
        return ReplyKind(str(raw["reply_kind"]))
    if row.conversation_visibility == Visibility.PUBLIC.value:
        return ReplyKind.PUBLIC
    return ReplyKind.DIRECT


def deliver_outbound(runtime: Runtime, message_id: int) -> None:
    """Send outbound message ``message_id`` once (see the module documentation)."""
    register_builtin_connectors()
    row = _load(runtime, message_id)
    if row.delivery_status == DeliveryStatus.SENT.value:
        return  # already delivered (or reconciled through the echo): never sent twice
    key = outbox_key(message_id)
    if row.idempotency_key is None:
        with runtime.db.transaction() as tx:
            tx.conn.execute(
                update(t.messages)
                .where(t.messages.c.id == message_id, t.messages.c.idempotency_key.is_(None))
                .values(idempotency_key=key)
            )
    last_inbound, parent_at, parent_raw = _conversation_facts(runtime, row)
    request = OutboundRequest(
        kind=reply_kind(row),
        text=row.text,
        recipient_id=row.contact_external_id,
        in_reply_to=row.in_reply_to,
        last_customer_message_at=last_inbound,
        in_reply_to_created_at=parent_at,
        idempotency_key=key,
        context={
            "message_id": row.id,
            "conversation_id": row.conversation_id,
            "account_id": row.account_id,
            "visibility": row.conversation_visibility,
            "parent_raw": parent_raw,
        },
    )
    try:
        connector = connector_for(row.platform)
        credentials = account_credentials(row, runtime.settings)
        result = connector.send(credentials, request)
    except DeliveryFailed as exc:
        if exc.retryable:
            if exc.details.get("outcome") == "unknown":
                wait = max(float(exc.details.get("retry_after_seconds") or 0), ECHO_GRACE_SECONDS)
                raise DeliveryFailed(
                    exc.message, retryable=True, details={**exc.details, "retry_after_seconds": wait}
                ) from exc
            raise
        log.warning("delivery of message %s failed for good: %s", message_id, exc.message)
        mark_delivery(runtime.db, message_id, status=DeliveryStatus.FAILED, error=exc.message)
        return
    except ComptoirError as exc:  # validation (too long, no recipient), configuration: permanent
        log.warning("delivery of message %s refused: %s", message_id, exc.message)
        mark_delivery(runtime.db, message_id, status=DeliveryStatus.FAILED, error=exc.message)
        return
    if result.provider_id:
        mark_sent(runtime.db, message_id, result.provider_id)
    else:
        mark_delivery(runtime.db, message_id, status=DeliveryStatus.SENT)
    if request.kind is ReplyKind.PRIVATE_TO_COMMENT and result.recipient_id:
        from comptoir.channels.private_reply import link_private_conversation

        link_private_conversation(runtime, message_id, result.recipient_id)
