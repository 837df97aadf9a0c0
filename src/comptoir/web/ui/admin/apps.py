"""Platform apps of a brand (Meta, X): create, edit, delete. Secrets go in, never come back out.

A secret field left empty keeps the stored secret; a refused form is shown again with the name and provider
typed, never the secrets. Deleting an app that accounts still use is refused (409) with the reason.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from comptoir.channels import apps
from comptoir.errors import ValidationFailed
from comptoir.web.ui.admin.forms import FormError, as_form_error, fields, id_of, required
from comptoir.web.ui.admin.screen import change, supervisor_in
from comptoir.web.ui.base import acting_agent, runtime_of
from comptoir.web.ui.people import CurrentAgent

router = APIRouter(include_in_schema=False)

SECRET_FIELDS = ("app_secret", "verify_token", "consumer_key", "consumer_secret")
PROVIDERS = tuple(apps.REQUIRED_SECRETS)


def _forget(request: Request, app_id: int) -> None:
    """This process's webhook routes read the new secrets at once (other processes within the cache's TTL)."""
    cache = getattr(request.app.state, "platform_apps", None)
    if isinstance(cache, apps.AppCache):
        cache.forget(app_id)


@router.post("/ui/admin/apps")
async def app_create(request: Request, agent: CurrentAgent = Depends(acting_agent)) -> Response:
    """A platform app managed by this brand; its accounts can then use it."""
    posted = await request.form()
    brand = supervisor_in(agent, fields(posted, "brand_id")["brand_id"])
    runtime = runtime_of(request)
    form = fields(posted, "platform", "name")
    secrets = {key: value.strip() for key, value in fields(posted, *SECRET_FIELDS).items()}

    def work() -> None:
        if form["platform"] not in PROVIDERS:
            raise FormError("choice", f"platform: one of {', '.join(PROVIDERS)}")
        name = required(form["name"], "a platform app needs a name")
        missing = [key for key in apps.REQUIRED_SECRETS[form["platform"]] if not secrets[key]]
        if missing:
            raise FormError(
                "secrets",
                f"a {form['platform']} app needs: {', '.join(m.replace('_', ' ') for m in missing)}",
            )
        apps.create_platform_app(
            runtime.db,
            runtime.settings,
            platform=form["platform"],
            name=name,
            secrets={key: secrets[key] for key in apps.REQUIRED_SECRETS[form["platform"]]},
            brand_id=brand,
            actor=agent.actor,
        )

    return await change(request, agent, "apps", brand, work, form)


@router.post("/ui/admin/app-update")
async def app_update(request: Request, agent: CurrentAgent = Depends(acting_agent)) -> Response:
    """Rename the app and replace the secrets typed; an empty secret field keeps the stored one."""
    posted = await request.form()
    ids = fields(posted, "brand_id", "app_id")
    brand = supervisor_in(agent, ids["brand_id"])
    app_id = id_of(ids["app_id"], "platform app")
    runtime = runtime_of(request)
    form = fields(posted, "name") | {"app_id": str(app_id)}
    secrets = {key: value.strip() for key, value in fields(posted, *SECRET_FIELDS).items() if value.strip()}

    def work() -> None:
        name = required(form["name"], "a platform app needs a name")
        try:
            apps.update_platform_app(
                runtime.db, runtime.settings, brand, app_id, name=name, secrets=secrets, actor=agent.actor
            )
        except ValidationFailed as exc:
            raise as_form_error(exc) from exc
        _forget(request, app_id)

    return await change(request, agent, "apps", brand, work, form)


@router.post("/ui/admin/app-delete")
async def app_delete(request: Request, agent: CurrentAgent = Depends(acting_agent)) -> Response:
    """Delete the app, unless accounts still use it (409, saying which of this brand's accounts)."""
    posted = fields(await request.form(), "brand_id", "app_id")
    brand = supervisor_in(agent, posted["brand_id"])
    app_id = id_of(posted["app_id"], "platform app")
    db = runtime_of(request).db

    def work() -> None:
        apps.delete_platform_app(db, brand, app_id, actor=agent.actor)
        _forget(request, app_id)

    return await change(request, agent, "apps", brand, work, {})
