"""The registry: platform -> connector, provider -> webhook connector, configurable base URLs."""

from __future__ import annotations

import pytest

from comptoir.channels import registry
from comptoir.channels.base import Connector, WebhookConnector
from comptoir.channels.meta import MetaConnector
from comptoir.channels.x import XConnector
from comptoir.domain.enums import Platform
from comptoir.errors import ConfigurationError


def test_lookups_and_configuration() -> None:
    previous = registry.current_config()
    try:
        registry.configure(
            registry.ConnectorConfig(
                meta_graph_url="http://127.0.0.1:1/v25.0", x_api_url="http://127.0.0.1:2"
            )
        )
        facebook = registry.connector_for(Platform.FACEBOOK)
        instagram = registry.connector_for("instagram")
        x = registry.connector_for(Platform.X)
        assert isinstance(facebook, MetaConnector) and facebook.base_url == "http://127.0.0.1:1/v25.0"
        assert isinstance(instagram, MetaConnector) and instagram.platform is Platform.INSTAGRAM
        assert isinstance(x, XConnector) and x.base_url == "http://127.0.0.1:2"
        assert registry.connector_for(Platform.X) is x  # built once per configuration
        assert all(isinstance(c, Connector) for c in (facebook, instagram, x))
        assert {"facebook", "instagram", "x"} <= {str(p) for p in registry.registered_platforms()}
        for provider in ("meta", "x"):
            connector = registry.webhook_for(provider)
            assert isinstance(connector, WebhookConnector) and connector.provider == provider
    finally:
        registry.configure(previous)


def test_unknown_provider_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        registry.webhook_for("myspace")
