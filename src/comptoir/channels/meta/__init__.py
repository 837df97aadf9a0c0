"""Meta: Facebook Pages (Messenger + Page comments) and Instagram professional accounts (DMs + comments)."""

from __future__ import annotations

from comptoir.channels.meta.send import MetaConnector
from comptoir.channels.meta.webhook import MetaWebhookConnector, parse, sign, verify

__all__ = ["MetaConnector", "MetaWebhookConnector", "parse", "register", "sign", "verify"]


def register() -> None:
    """Register the Meta connectors (Facebook, Instagram) and the ``meta`` webhook provider."""
    from comptoir.channels.registry import ConnectorConfig, register_connector, register_webhook
    from comptoir.domain.enums import Platform

    def facebook(config: ConnectorConfig) -> MetaConnector:
        return MetaConnector(Platform.FACEBOOK, config.meta_graph_url, timeout=config.timeout_seconds)

    def instagram(config: ConnectorConfig) -> MetaConnector:
        base = config.instagram_graph_url or config.meta_graph_url
        return MetaConnector(Platform.INSTAGRAM, base, timeout=config.timeout_seconds)

    register_connector(Platform.FACEBOOK, facebook)
    register_connector(Platform.INSTAGRAM, instagram)
    register_webhook(MetaWebhookConnector())
