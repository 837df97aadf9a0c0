"""The ASGI application: JSON API, webhooks and pages."""
