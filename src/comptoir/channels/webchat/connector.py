"""The web chat "send": the reply is already stored; the visitor's SSE stream reads it from the database."""

from __future__ import annotations

from comptoir.channels.base import AccountCredentials, OutboundRequest, SendResult
from comptoir.channels.registry import ConnectorConfig
from comptoir.domain.enums import Platform


class WebchatConnector:
    platform = Platform.WEBCHAT

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config

    def send(self, account: AccountCredentials, request: OutboundRequest) -> SendResult:
        return SendResult(
            provider_id=f"webchat-{request.context.get('message_id')}", recipient_id=request.recipient_id
        )
