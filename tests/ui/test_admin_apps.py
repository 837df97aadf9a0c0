"""Platform apps from the admin screens: created, edited and deleted by the brand that manages them; secrets
encrypted at rest and never shown back (at most "set" and the last four characters of a long one)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from comptoir.channels.apps import create_platform_app
from comptoir.secrets import decrypt_json
from comptoir.store import tables as t
from tests.ui.conftest import Workspace, page_csrf

APP_SECRET = "meta-app-secret-0123456789-WXYZ"
VERIFY = "vt-short"


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _app(ws: Workspace, app_id: int) -> Any:
    with ws.runtime.db.read() as conn:
        return conn.execute(select(t.platform_apps).where(t.platform_apps.c.id == app_id)).one()


def _secrets(ws: Workspace, app_id: int) -> dict[str, str]:
    return dict(decrypt_json(_app(ws, app_id).secrets_enc, ws.runtime.settings))


def _only_app(ws: Workspace, brand_id: int) -> int:
    with ws.runtime.db.read() as conn:
        return int(
            conn.execute(
                select(t.platform_apps.c.id).where(t.platform_apps.c.brand_id == brand_id)
            ).scalar_one()
        )


def _audit(ws: Workspace, action: str) -> list[dict[str, Any]]:
    a = t.audit_events
    with ws.runtime.db.read() as conn:
        return [
            dict(r.data) for r in conn.execute(select(a.c.data).where(a.c.action == action).order_by(a.c.id))
        ]


def _create_meta(ws: Workspace, client: TestClient, name: str = "Meta Alpha") -> int:
    form = {
        "brand_id": ws.a.id,
        "platform": "meta",
        "name": name,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY,
        "consumer_key": "",
        "consumer_secret": "",
    }
    response = _post(client, "/ui/admin/apps", form)
    assert response.status_code == 303, response.text
    return _only_app(ws, ws.a.id)


def test_a_supervisor_creates_an_app_whose_secrets_never_come_back(ws: Workspace) -> None:
    sue = ws.client("sue")
    app_id = _create_meta(ws, sue)
    row = _app(ws, app_id)
    assert (row.platform, row.name, row.brand_id) == ("meta", "Meta Alpha", ws.a.id)
    assert APP_SECRET not in row.secrets_enc  # encrypted at rest
    assert _secrets(ws, app_id) == {"app_secret": APP_SECRET, "verify_token": VERIFY}
    page = sue.get(f"/ui/admin/apps?brand={ws.a.id}").text
    assert "Meta Alpha" in page and f"/webhooks/meta/{app_id}" in page
    assert APP_SECRET not in page and VERIFY not in page and APP_SECRET[:-4] not in page
    assert "…WXYZ" in page  # the last four characters of a long secret, nothing of a short one
    assert page.count(": set") == 2
    [created] = _audit(ws, "platform_app.created")
    assert created == {"app_id": app_id, "platform": "meta", "name": "Meta Alpha"}
    with ws.runtime.db.read() as conn:
        audited = " ".join(str(r.data) for r in conn.execute(select(t.audit_events.c.data)))
    assert APP_SECRET not in audited and VERIFY not in audited
    # The brand's accounts can now use it (and only its own apps or shared ones are offered).
    response = _post(
        sue,
        "/ui/admin/accounts",
        {
            "brand_id": ws.a.id,
            "platform": "facebook",
            "handle": "Alpha FR",
            "external_id": "page-1",
            "kind": "care",
            "app_id": app_id,
            "access_token": "EAAG-token",
        },
    )
    assert response.status_code == 303, response.text
    assert f'<option value="{app_id}">' in sue.get(f"/ui/admin/accounts?brand={ws.a.id}").text


def test_invalid_apps_say_why_write_nothing_and_echo_no_secret(ws: Workspace) -> None:
    sue = ws.client("sue")
    base = {
        "brand_id": ws.a.id,
        "platform": "x",
        "name": "X Alpha",
        "consumer_key": "ck-typed-secret-123",
        "consumer_secret": "",
    }
    for change, status, message in (
        ({}, 400, "This platform app needs all its secrets."),
        ({"platform": "myspace"}, 400, "Choose one of the proposed values."),
        ({"name": "  ", "consumer_secret": "cs"}, 400, "A required field is empty."),
    ):
        response = _post(sue, "/ui/admin/apps", base | change)
        assert response.status_code == status and message in response.text, (change, response.text[-800:])
        assert "ck-typed-secret-123" not in response.text
    response = _post(sue, "/ui/admin/apps", base)
    assert 'value="X Alpha"' in response.text  # the name typed is kept, the secrets are not
    with ws.runtime.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.platform_apps)).scalar_one() == 0


def test_editing_keeps_the_secrets_left_empty(ws: Workspace) -> None:
    sue = ws.client("sue")
    app_id = _create_meta(ws, sue)
    handshake = f"/webhooks/meta/{app_id}?hub.mode=subscribe&hub.challenge=4242&hub.verify_token="
    assert sue.get(handshake + VERIFY).text == "4242"  # the webhook route has the app (and caches it)
    form = {
        "brand_id": ws.a.id,
        "app_id": app_id,
        "name": "Meta Alpha (prod)",
        "app_secret": "",
        "verify_token": "",
    }
    assert _post(sue, "/ui/admin/app-update", form).status_code == 303
    assert _app(ws, app_id).name == "Meta Alpha (prod)"
    assert _secrets(ws, app_id) == {"app_secret": APP_SECRET, "verify_token": VERIFY}
    assert _post(sue, "/ui/admin/app-update", form | {"verify_token": "new-verify-token"}).status_code == 303
    assert _secrets(ws, app_id) == {"app_secret": APP_SECRET, "verify_token": "new-verify-token"}
    # The webhook route uses the new token at once (this process's cache was told).
    assert sue.get(handshake + "new-verify-token").text == "4242"
    assert sue.get(handshake + VERIFY).status_code == 403
    changes = _audit(ws, "platform_app.changed")
    assert [c["secrets_replaced"] for c in changes] == [[], ["verify_token"]]
    assert changes[0]["name"] == {"before": "Meta Alpha", "after": "Meta Alpha (prod)"}
    # Refused: no name, a secret the provider does not have; nothing changes.
    response = _post(sue, "/ui/admin/app-update", form | {"name": ""})
    assert response.status_code == 400 and "A required field is empty." in response.text
    assert "<details open>" in response.text
    response = _post(sue, "/ui/admin/app-update", form | {"consumer_key": "ck"})
    assert response.status_code == 400
    assert _app(ws, app_id).name == "Meta Alpha (prod)"
    assert len(_audit(ws, "platform_app.changed")) == 2


def test_an_app_in_use_cannot_be_deleted(ws: Workspace) -> None:
    sue = ws.client("sue")
    app_id = _create_meta(ws, sue)
    assert (
        _post(
            sue,
            "/ui/admin/accounts",
            {
                "brand_id": ws.a.id,
                "platform": "instagram",
                "handle": "alpha.ig",
                "kind": "care",
                "app_id": app_id,
            },
        ).status_code
        == 303
    )
    response = _post(sue, "/ui/admin/app-delete", {"brand_id": ws.a.id, "app_id": app_id})
    assert response.status_code == 409
    assert "This platform app is still used by accounts" in response.text and "alpha.ig" in response.text
    assert _app(ws, app_id) is not None
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(update(t.accounts).where(t.accounts.c.app_id == app_id).values(app_id=None))
    assert _post(sue, "/ui/admin/app-delete", {"brand_id": ws.a.id, "app_id": app_id}).status_code == 303
    with ws.runtime.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.platform_apps)).scalar_one() == 0
    [deleted] = _audit(ws, "platform_app.deleted")
    assert deleted["app_id"] == app_id
    assert (
        sue.get(
            f"/webhooks/meta/{app_id}?hub.mode=subscribe&hub.challenge=1&hub.verify_token={VERIFY}"
        ).status_code
        == 404
    )


def test_apps_stay_in_their_brand_and_shared_apps_are_read_only(ws: Workspace) -> None:
    sue, bea = ws.client("sue"), ws.client("bea")
    app_id = _create_meta(ws, sue, name="Alpha secret app")
    shared = create_platform_app(
        ws.runtime.db,
        ws.runtime.settings,
        platform="x",
        name="Shared X",
        secrets={
            "consumer_key": "shared-consumer-key-1234",
            "consumer_secret": "shared-consumer-secret-5678",
        },
    )["id"]
    beta_page = bea.get(f"/ui/admin/apps?brand={ws.b.id}").text
    assert "Alpha secret app" not in beta_page
    assert "Shared X" in beta_page and "…1234" not in beta_page  # shared: listed, secrets only said to be set
    assert "Alpha secret app" not in bea.get(f"/ui/admin/accounts?brand={ws.b.id}").text
    update_form = {"app_id": app_id, "name": "Hijacked", "app_secret": "evil-secret"}
    for brand in (ws.a.id, ws.b.id):
        assert _post(bea, "/ui/admin/app-update", update_form | {"brand_id": brand}).status_code == 404
        assert _post(bea, "/ui/admin/app-delete", {"brand_id": brand, "app_id": app_id}).status_code == 404
    # Beta cannot attach Alpha's app to an account; a shared app is fine.
    account = {
        "brand_id": ws.b.id,
        "platform": "facebook",
        "handle": "Beta FR",
        "kind": "care",
        "app_id": app_id,
    }
    assert _post(bea, "/ui/admin/accounts", account).status_code == 404
    account = {"brand_id": ws.b.id, "platform": "x", "handle": "beta_x", "kind": "care", "app_id": shared}
    assert _post(bea, "/ui/admin/accounts", account).status_code == 303
    # Nobody edits or deletes a shared app from a brand's screens.
    for client, brand in ((sue, ws.a.id), (bea, ws.b.id)):
        assert (
            _post(
                client, "/ui/admin/app-update", {"brand_id": brand, "app_id": shared, "name": "x"}
            ).status_code
            == 404
        )
        assert _post(client, "/ui/admin/app-delete", {"brand_id": brand, "app_id": shared}).status_code == 404
    # An agent: 403; without the CSRF token: 403.
    alice = ws.client("alice")
    assert _post(alice, "/ui/admin/app-delete", {"brand_id": ws.a.id, "app_id": app_id}).status_code == 403
    response = sue.post(
        "/ui/admin/app-delete", data={"brand_id": ws.a.id, "app_id": app_id}, follow_redirects=False
    )
    assert response.status_code == 403
    assert _app(ws, app_id).name == "Alpha secret app"
    assert _secrets(ws, app_id)["app_secret"] == APP_SECRET
    assert _app(ws, shared).name == "Shared X"


def test_the_apps_page_is_accessible_in_both_languages(ws: Workspace) -> None:
    from tests.ui.test_accessibility import check

    sue = ws.client("sue")
    _create_meta(ws, sue)
    for language in ("en", "fr"):
        _post(sue, "/ui/language", {"language": language, "next": "/"})
        page = sue.get(f"/ui/admin/apps?brand={ws.a.id}").text
        check(page)
    assert "Nouvelle application de plateforme" in page


def test_the_command_line_creates_an_app_for_a_brand(ws: Workspace, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from comptoir.cli import app
    from comptoir.settings import reset_settings_cache

    monkeypatch.setenv("COMPTOIR_DATABASE_URL", ws.runtime.settings.database_url)
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(ws.runtime.settings.data_dir))
    monkeypatch.setenv("COMPTOIR_SECRET_KEY", ws.runtime.settings.secret_key)
    reset_settings_cache()
    try:
        result = CliRunner().invoke(
            app,
            [
                "platform-app",
                "create",
                "--platform",
                "x",
                "--name",
                "CLI X",
                "--consumer-key",
                "k",
                "--consumer-secret",
                "s",
                "--brand",
                str(ws.b.id),
            ],
        )
    finally:
        reset_settings_cache()
    assert result.exit_code == 0, result.output
    assert "CLI X" in ws.client("bea").get(f"/ui/admin/apps?brand={ws.b.id}").text
    assert "CLI X" not in ws.client("sue").get(f"/ui/admin/apps?brand={ws.a.id}").text
