"""The email channel as a :class:`~comptoir.channels.base.Connector`: an agent's reply sent by SMTP.

Account settings (``accounts.settings``; ``*_enc`` values are encrypted, see
:func:`comptoir.channels.email.accounts.configure_email_account`): ``smtp_host``, ``smtp_port``,
``smtp_security`` (ssl|starttls|none), ``smtp_username``, ``smtp_password``, ``from_name``, ``domain``
(Message-ID domain; default: the account address's domain). The account's external id is its address.

Threading: the reply goes to the parent's Reply-To (else From) with ``Re:`` subject, ``In-Reply-To`` and
``References`` (the parent is the stored raw record of the message answered). The Message-ID derives from
the outbox idempotency key, so a retried send carries the same Message-ID; it is the provider id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from comptoir.channels.base import AccountCredentials, OutboundRequest, SendResult
from comptoir.channels.email.compose import MAX_REFERENCES, build_email, make_message_id, reply_subject
from comptoir.channels.email.smtp import Security, SmtpConfig, send_email
from comptoir.channels.registry import ConnectorConfig
from comptoir.domain.enums import Platform
from comptoir.errors import ConfigurationError, DeliveryFailed, ValidationFailed


def auto_reply_allowed(raw: Any) -> bool:
    """RFC 3834: may Comptoir send an *automatic* message (acknowledgement, survey) to this email's sender?

    False for mail from robots, lists, bulk senders and our own domain (``raw["auto_reply_allowed"]`` as
    computed at ingestion); True for raw records without the flag (not an email).
    """
    if isinstance(raw, Mapping):
        return bool(raw.get("auto_reply_allowed", True))
    return True


def smtp_config(settings: Mapping[str, Any], timeout: float) -> SmtpConfig:
    host = settings.get("smtp_host")
    if not host:
        raise ConfigurationError(
            "this email account has no SMTP server configured (comptoir email configure)"
        )
    return SmtpConfig(
        host=str(host),
        port=int(settings.get("smtp_port") or 587),
        username=settings.get("smtp_username") or None,
        password=settings.get("smtp_password") or None,
        security=cast(Security, settings.get("smtp_security") or "starttls"),
        timeout=timeout,
    )


class EmailConnector:
    platform = Platform.EMAIL

    def __init__(self, config: ConnectorConfig) -> None:
        self.timeout = config.timeout_seconds

    def send(self, account: AccountCredentials, request: OutboundRequest) -> SendResult:
        settings = account.settings
        address = account.external_id.lower()
        domain = str(settings.get("domain") or address.rsplit("@", 1)[-1])
        parent = request.context.get("parent_raw")
        parent = parent if isinstance(parent, Mapping) else {}
        if request.context.get("automatic") and not auto_reply_allowed(parent):
            raise DeliveryFailed(
                "no automatic reply to this sender (RFC 3834: automated or list mail)",
                retryable=False,
                details={"reason": "auto_reply_suppressed", "why": parent.get("auto_reply_reason")},
            )
        recipients = list(parent.get("reply_to") or [])
        sender = parent.get("from")
        if not recipients and isinstance(sender, Mapping) and sender.get("address"):
            recipients = [str(sender["address"])]
        if not recipients and request.recipient_id:
            recipients = [request.recipient_id]
        if not recipients:
            raise ValidationFailed("no address to answer: the conversation has no customer email")
        parent_id = parent.get("message_id") if not parent.get("message_id_synthesised") else None
        references = [str(item) for item in parent.get("references") or []]
        if not references and parent.get("in_reply_to"):
            references = [str(item) for item in parent["in_reply_to"]][:1]
        if parent_id and parent_id not in references:
            references.append(str(parent_id))
        if len(references) > MAX_REFERENCES:
            references = [references[0], *references[-(MAX_REFERENCES - 1) :]]
        subject = reply_subject(str(parent.get("subject") or request.context.get("subject") or ""))
        message_id = make_message_id(domain, key=request.idempotency_key)
        message = build_email(
            from_address=address,
            from_name=settings.get("from_name"),
            to=recipients,
            subject=subject,
            text=request.text,
            domain=domain,
            message_id=message_id,
            in_reply_to=str(parent_id) if parent_id else None,
            references=references,
            automatic=bool(request.context.get("automatic")),
        )
        result = send_email(smtp_config(settings, self.timeout), message)
        return SendResult(
            provider_id=result.message_id, recipient_id=recipients[0], raw={"refused": result.refused}
        )
