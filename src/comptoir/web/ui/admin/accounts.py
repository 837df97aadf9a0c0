"""Accounts of a brand: create one; change its family, region and redirection; archive, restore or delete it.

An account with conversations or messages is never deleted: it is *archived* (no new messages, not offered in
pickers, its history kept) and can be restored. Only an account that holds nothing can be deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select, update

from comptoir.actions import admin, audit
from comptoir.domain.enums import AccountKind, Platform
from comptoir.errors import AccountNotFound, NotFound, ValidationFailed
from comptoir.store import tables as t
from comptoir.web.ui.admin.forms import FormError, as_form_error, id_of, optional_int, required
from comptoir.web.ui.admin.screen import change, supervisor_in
from comptoir.web.ui.base import acting_agent, runtime_of
from comptoir.web.ui.people import CurrentAgent

router = APIRouter(include_in_schema=False)


def _kind(kind: str, region: str) -> AccountKind:
    """The account family; a regional account needs its region."""
    if kind not in {k.value for k in AccountKind}:
        raise FormError("choice", f"kind: one of {', '.join(k.value for k in AccountKind)}")
    if kind == AccountKind.REGIONAL.value and not region.strip():
        raise FormError("region", "a regional account needs its region")
    return AccountKind(kind)


@router.post("/ui/admin/accounts")
async def account_create(
    request: Request,
    brand_id: str = Form(""),
    platform: str = Form(""),
    handle: str = Form(""),
    external_id: str = Form(""),
    kind: str = Form("care"),
    region: str = Form(""),
    redirect_to: str = Form(""),
    app_id: str = Form(""),
    access_token: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    brand = supervisor_in(agent, brand_id)
    runtime = runtime_of(request)
    form = {
        "platform": platform,
        "handle": handle,
        "external_id": external_id,
        "kind": kind,
        "region": region,
        "redirect_to": redirect_to,
        "app_id": app_id,
    }

    def work() -> None:
        from comptoir.channels.apps import PROVIDER_OF, require_app_for
        from comptoir.secrets import encrypt

        if platform not in {p.value for p in Platform}:
            raise FormError("choice", f"platform: one of {', '.join(p.value for p in Platform)}")
        if kind not in {k.value for k in AccountKind}:
            raise FormError("choice", f"kind: one of {', '.join(k.value for k in AccountKind)}")
        name = required(handle, "an account needs a handle")
        chosen = Platform(platform)
        app = optional_int(app_id, "app")
        if app is None and PROVIDER_OF.get(chosen) and access_token.strip():
            raise FormError("app", f"a {platform} account with an access token needs its platform app")
        if app is not None:
            require_app_for(runtime.db, runtime.settings, app, chosen, brand_id=brand)
        family = _kind(kind, region)
        try:
            admin.create_account(
                runtime.db,
                brand_id=brand,
                platform=chosen,
                handle=name,
                external_id=external_id.strip() or None,
                kind=family,
                region=region.strip() or None,
                redirect_to=optional_int(redirect_to, "redirect_to"),
                app_id=app,
                access_token_enc=encrypt(access_token.strip(), runtime.settings)
                if access_token.strip()
                else None,
                actor=agent.actor,
            )
        except AccountNotFound as exc:  # the redirection target is not an account of this brand
            raise FormError("redirect", str(exc)) from exc

    return await change(request, agent, "accounts", brand, work, form)


@router.post("/ui/admin/account-settings")
async def account_settings(
    request: Request,
    brand_id: str = Form(""),
    account_id: str = Form(""),
    kind: str = Form(""),
    region: str = Form(""),
    redirect_to: str = Form(""),
    agent: CurrentAgent = Depends(acting_agent),
) -> Response:
    """Change an account's family, region and redirection (to another account of the same brand, not itself)."""
    brand = supervisor_in(agent, brand_id)
    db = runtime_of(request).db
    target = id_of(account_id, "account")

    def work() -> None:
        a = t.accounts
        with db.transaction() as tx:
            row = tx.conn.execute(
                select(a.c.id, a.c.kind, a.c.region, a.c.redirect_to).where(
                    a.c.id == target, a.c.brand_id == brand
                )
            ).first()
            if row is None:
                raise NotFound(f"account {target} not found in this brand")
            _kind(kind, region)
            redirect = optional_int(redirect_to, "redirect_to")
            if redirect is not None:
                found = tx.conn.execute(
                    select(a.c.id).where(a.c.id == redirect, a.c.brand_id == brand, a.c.archived_at.is_(None))
                ).first()
                if found is None or redirect == target:
                    raise FormError(
                        "redirect", f"account {redirect} is not another active account of this brand"
                    )
            values = {"kind": kind, "region": region.strip() or None, "redirect_to": redirect}
            tx.conn.execute(update(a).where(a.c.id == target).values(**values))
            audit.record(
                tx,
                brand_id=brand,
                actor=agent.actor,
                action="account.changed",
                data={
                    "account_id": target,
                    "before": {"kind": row.kind, "region": row.region, "redirect_to": row.redirect_to},
                    "after": values,
                },
            )

    return await change(request, agent, "accounts", brand, work, {})


def _forget(request: Request, account_id: int) -> None:
    """This process's API ingestion stops taking the account's messages at once (others within its cache TTL)."""
    owners = getattr(request.app.state, "account_brands", None)
    if isinstance(owners, dict):
        owners.pop(account_id, None)


def _account_route(operation: Callable[..., None], doc: str) -> Any:
    async def route(
        request: Request,
        brand_id: str = Form(""),
        account_id: str = Form(""),
        agent: CurrentAgent = Depends(acting_agent),
    ) -> Response:
        brand = supervisor_in(agent, brand_id)
        account = id_of(account_id, "account")
        db = runtime_of(request).db

        def work() -> None:
            try:
                operation(db, brand, account, actor=agent.actor)
            except ValidationFailed as exc:
                raise as_form_error(exc) from exc
            _forget(request, account)

        return await change(request, agent, "accounts", brand, work, {})

    route.__name__ = f"account_{operation.__name__.split('_')[0]}"
    route.__doc__ = doc
    return route


router.add_api_route(
    "/ui/admin/account-archive",
    _account_route(admin.archive_account, "Archive: no new messages, not offered any more, history kept."),
    methods=["POST"],
)
router.add_api_route(
    "/ui/admin/account-restore",
    _account_route(admin.restore_account, "Take an archived account back into service."),
    methods=["POST"],
)
router.add_api_route(
    "/ui/admin/account-delete",
    _account_route(
        admin.delete_account, "Delete an account that holds no conversation and no message (409 otherwise)."
    ),
    methods=["POST"],
)
