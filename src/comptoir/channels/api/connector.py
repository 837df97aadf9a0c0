"""The API channel as a :class:`~comptoir.channels.base.Connector`: replies POSTed to the callback URL."""

from __future__ import annotations

from comptoir import clock
from comptoir.channels.api.send import deliver
from comptoir.channels.base import AccountCredentials, OutboundRequest, SendResult
from comptoir.channels.registry import ConnectorConfig
from comptoir.domain.enums import Platform
from comptoir.errors import ConfigurationError


class ApiConnector:
    platform = Platform.API

    def __init__(self, config: ConnectorConfig) -> None:
        self.timeout = config.timeout_seconds

    def send(self, account: AccountCredentials, request: OutboundRequest) -> SendResult:
        url = account.settings.get("callback_url")
        secret = account.settings.get("callback_secret")
        if not url or not secret:
            raise ConfigurationError("this API account has no callback URL: replies cannot be delivered")
        context = request.context
        result = deliver(
            callback_url=str(url),
            secret=str(secret),
            payload={
                "type": "reply",
                "message_id": context.get("message_id"),
                "conversation_id": context.get("conversation_id"),
                "account_id": context.get("account_id"),
                "in_reply_to": request.in_reply_to,
                "visibility": context.get("visibility"),
                "text": request.text,
                "sent_at": clock.isoformat_z(clock.now()),
            },
            idempotency_key=request.idempotency_key or f"comptoir-message-{context.get('message_id')}",
            timeout=self.timeout,
        )
        return SendResult(provider_id=result.provider_id or "")
