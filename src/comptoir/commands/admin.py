"""`comptoir brand|account|token|team create`: scripted administration (names are part of the contract)."""

from __future__ import annotations

import typer

from comptoir.actions import admin
from comptoir.commands.output import emit, guarded
from comptoir.domain.enums import AccountKind, Platform
from comptoir.runtime import build_runtime

brand_app = typer.Typer(help="Brands (tenants).", no_args_is_help=True)
account_app = typer.Typer(help="Accounts: a brand's presence on one platform.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
team_app = typer.Typer(help="Teams.", no_args_is_help=True)


@brand_app.command("create")
def brand_create(name: str) -> None:
    """Create a brand; prints {"id": ...}."""
    db = build_runtime().db
    emit({"id": guarded(lambda: admin.create_brand(db, name))})


@account_app.command("create")
def account_create(
    brand: int = typer.Option(..., "--brand", help="Brand id."),
    platform: Platform = typer.Option(..., "--platform", help="api, x, facebook, instagram, email, webchat."),
    handle: str = typer.Option(..., "--handle", help="Display handle (@name, page name, address)."),
    external_id: str | None = typer.Option(None, "--external-id", help="The platform's id for this account."),
    kind: AccountKind = typer.Option(AccountKind.CARE, "--kind", help="corporate, care or regional."),
    region: str | None = typer.Option(None, "--region", help="Region label for regional accounts."),
    redirect_to: int | None = typer.Option(None, "--redirect-to", help="Account id customers are sent to."),
    callback_url: str | None = typer.Option(
        None, "--callback-url", help="API accounts: where replies are POSTed."
    ),
    app: int | None = typer.Option(None, "--app", help="Platform app id (facebook, instagram, x)."),
    access_token: str | None = typer.Option(
        None, "--access-token", help="The account's access token (encrypted at rest, never shown again)."
    ),
) -> None:
    """Create an account; prints {"id": ...} (API accounts also get their callback signing secret)."""
    from comptoir.channels.apps import require_app_for
    from comptoir.secrets import encrypt

    runtime = build_runtime()
    db = runtime.db
    if app is not None:
        guarded(lambda: require_app_for(db, runtime.settings, app, platform))
    emit(
        guarded(
            lambda: admin.create_account(
                db,
                brand_id=brand,
                platform=platform,
                handle=handle,
                external_id=external_id,
                kind=kind,
                region=region,
                redirect_to=redirect_to,
                callback_url=callback_url,
                app_id=app,
                access_token_enc=encrypt(access_token, runtime.settings) if access_token else None,
            )
        )
    )


@token_app.command("create")
def token_create(
    brand: int = typer.Option(..., "--brand", help="Brand id."),
    label: str | None = typer.Option(None, "--label", help="What the token is for."),
) -> None:
    """Create an API token for a brand; prints {"token": ...} (shown once; only a hash is stored)."""
    db = build_runtime().db
    emit({"token": guarded(lambda: admin.create_token(db, brand, label))})


@team_app.command("create")
def team_create(brand: int = typer.Option(..., "--brand"), name: str = typer.Option(..., "--name")) -> None:
    """Create a team; prints {"id": ...}."""
    db = build_runtime().db
    emit({"id": guarded(lambda: admin.create_team(db, brand, name))})
