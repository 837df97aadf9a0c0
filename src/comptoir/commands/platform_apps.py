"""`comptoir platform-app create`: register a Meta or X app (its secrets are encrypted at rest)."""

from __future__ import annotations

import typer

from comptoir.channels.apps import create_platform_app
from comptoir.commands.output import emit, guarded
from comptoir.runtime import build_runtime

platform_app_app = typer.Typer(help="Platform apps (Meta, X): webhook secrets.", no_args_is_help=True)


@platform_app_app.command("create")
def platform_app_create(
    platform: str = typer.Option(..., "--platform", help="meta or x."),
    name: str = typer.Option(..., "--name", help="A label for the app."),
    app_secret: str | None = typer.Option(None, "--app-secret", help="Meta: the app secret."),
    verify_token: str | None = typer.Option(None, "--verify-token", help="Meta: the webhook verify token."),
    consumer_key: str | None = typer.Option(None, "--consumer-key", help="X: the consumer (API) key."),
    consumer_secret: str | None = typer.Option(
        None, "--consumer-secret", help="X: the consumer (API) secret."
    ),
    brand: int | None = typer.Option(
        None,
        "--brand",
        help="The brand that manages the app (in its admin screens); none: shared by every brand.",
    ),
) -> None:
    """Create a platform app; prints {"id": ..., "webhook_path": "/webhooks/<platform>/<id>"}."""
    runtime = build_runtime()
    given = {
        "app_secret": app_secret,
        "verify_token": verify_token,
        "consumer_key": consumer_key,
        "consumer_secret": consumer_secret,
    }
    secrets = {key: value for key, value in given.items() if value}
    emit(
        guarded(
            lambda: create_platform_app(
                runtime.db,
                runtime.settings,
                platform=platform.strip().lower(),
                name=name,
                secrets=secrets,
                brand_id=brand,
            )
        )
    )
