"""X: mentions and replies in threads, direct messages (Account Activity webhooks, mentions polling)."""

from __future__ import annotations

from comptoir.channels.x.send import MentionPoll, XConnector
from comptoir.channels.x.text import weighted_length
from comptoir.channels.x.webhook import XWebhookConnector, crc_response, parse, sign, verify

__all__ = [
    "MentionPoll",
    "XConnector",
    "XWebhookConnector",
    "crc_response",
    "parse",
    "register",
    "sign",
    "verify",
    "weighted_length",
]


def register() -> None:
    """Register the X connector and the ``x`` webhook provider."""
    from comptoir.channels.registry import ConnectorConfig, register_connector, register_webhook
    from comptoir.domain.enums import Platform

    def factory(config: ConnectorConfig) -> XConnector:
        return XConnector(
            config.x_api_url,
            timeout=config.timeout_seconds,
            max_rate_limit_wait=config.x_max_rate_limit_wait_seconds,
        )

    register_connector(Platform.X, factory)
    register_webhook(XWebhookConnector())
