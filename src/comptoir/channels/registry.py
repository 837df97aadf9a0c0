"""Registry: platform -> connector and provider -> webhook connector. Never ``if platform == ...``.

The built-in connectors (Meta for Facebook and Instagram, X) register themselves lazily on first lookup;
other packages (email, web chat) call :func:`register_connector` / :func:`register_webhook`.
Base URLs come from the settings (``COMPTOIR_META_GRAPH_URL``, ``COMPTOIR_X_API_URL``...; the real APIs by
default) or from :func:`configure` (the simulators' URLs in tests and in the demo).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from comptoir.channels.base import Connector, WebhookConnector
from comptoir.domain.enums import Platform
from comptoir.errors import ConfigurationError
from comptoir.settings import Settings, get_settings


@dataclass(frozen=True, slots=True)
class ConnectorConfig:
    """Where and how connectors reach the platforms."""

    meta_graph_url: str = "https://graph.facebook.com/v25.0"
    instagram_graph_url: str | None = None  # None: same host as meta_graph_url (Instagram via Facebook Login)
    x_api_url: str = "https://api.x.com"
    timeout_seconds: float = 10.0
    x_max_rate_limit_wait_seconds: float = 0.0  # sleep until x-rate-limit-reset when it is this close
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ConnectorConfig:
        """The configuration declared in :class:`comptoir.settings.Settings` (``COMPTOIR_*`` variables)."""
        settings = settings or get_settings()
        return cls(
            meta_graph_url=settings.meta_graph_url,
            instagram_graph_url=settings.instagram_graph_url,
            x_api_url=settings.x_api_url,
            timeout_seconds=settings.delivery_timeout_seconds,
            x_max_rate_limit_wait_seconds=settings.x_max_rate_limit_wait_seconds,
        )


ConnectorFactory = Callable[[ConnectorConfig], Connector]

_lock = threading.Lock()
_factories: dict[Platform, ConnectorFactory] = {}
_webhooks: dict[str, WebhookConnector] = {}
_instances: dict[Platform, Connector] = {}
_config: ConnectorConfig | None = None  # None: read from the settings on first use
_builtins_loaded = False


def register_connector(platform: Platform, factory: ConnectorFactory) -> None:
    with _lock:
        _factories[platform] = factory
        _instances.pop(platform, None)


def register_webhook(connector: WebhookConnector) -> None:
    with _lock:
        _webhooks[connector.provider] = connector


def configure(config: ConnectorConfig) -> None:
    """Replace the configuration; connectors are rebuilt on next lookup."""
    global _config
    with _lock:
        _config = config
        for instance in _instances.values():
            close = getattr(instance, "close", None)
            if callable(close):
                close()
        _instances.clear()


def current_config() -> ConnectorConfig:
    global _config
    if _config is None:
        _config = ConnectorConfig.from_settings()
    return _config


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    from comptoir.channels.meta import register as register_meta
    from comptoir.channels.x import register as register_x

    register_meta()
    register_x()


def connector_for(platform: Platform | str) -> Connector:
    """The sending connector of ``platform`` (built once per configuration)."""
    _load_builtins()
    key = Platform(platform)
    with _lock:
        instance = _instances.get(key)
        if instance is None:
            factory = _factories.get(key)
            if factory is None:
                raise ConfigurationError(f"no connector registered for platform {key}")
            instance = factory(current_config())
            _instances[key] = instance
        return instance


def webhook_for(provider: str) -> WebhookConnector:
    """The webhook connector of ``provider`` ("meta", "x"): the segment of /webhooks/<provider>/<app>."""
    _load_builtins()
    with _lock:
        connector = _webhooks.get(provider)
    if connector is None:
        raise ConfigurationError(f"no webhook connector registered for provider {provider!r}")
    return connector


def registered_platforms() -> tuple[Platform, ...]:
    _load_builtins()
    return tuple(sorted(_factories))


def registered_providers() -> tuple[str, ...]:
    _load_builtins()
    return tuple(sorted(_webhooks))
