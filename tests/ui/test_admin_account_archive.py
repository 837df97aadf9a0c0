"""Archiving and deleting accounts from the admin screens: an account with history is archived (no new
messages, not offered any more, its conversations kept), only an empty account is deleted."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from comptoir.actions import admin, sla
from comptoir.channels.inbox import AccountDirectory
from comptoir.domain.enums import AccountKind, Platform
from comptoir.store import tables as t
from tests.support import message
from tests.ui.conftest import Workspace, page_csrf

CALENDAR = {"timezone": "Asia/Tokyo", "hours": {"mon": [["09:00", "18:00"]]}}


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _account(ws: Workspace, account_id: int) -> Any:
    with ws.runtime.db.read() as conn:
        return conn.execute(select(t.accounts).where(t.accounts.c.id == account_id)).first()


def _count(ws: Workspace, table: Any, **where: Any) -> int:
    with ws.runtime.db.read() as conn:
        query = select(func.count()).select_from(table)
        for key, value in where.items():
            query = query.where(table.c[key] == value)
        return int(conn.execute(query).scalar_one())


def _send(ws: Workspace, client: TestClient, external_id: str) -> Any:
    return client.post(
        f"/api/v1/accounts/{ws.a.account_id}/messages",
        json=message(external_id),
        headers={"Authorization": f"Bearer {ws.a.token}"},
    )


def _new_account(ws: Workspace, handle: str, **extra: Any) -> int:
    return int(
        admin.create_account(ws.runtime.db, brand_id=ws.a.id, platform=Platform.X, handle=handle, **extra)[
            "id"
        ]
    )


def test_an_account_with_history_is_archived_not_deleted(ws: Workspace) -> None:
    a, account = ws.a.id, ws.a.account_id
    api = ws.client()
    conversation = ws.ingest(ws.a, "arch-1", client=api)  # the API process now knows the account
    sue = ws.client("sue")
    form = {"brand_id": a, "account_id": account}
    response = _post(sue, "/ui/admin/account-delete", form)
    assert response.status_code == 409
    assert "This account has conversations: archive it instead, its history is kept." in response.text
    assert _account(ws, account) is not None

    assert _post(sue, "/ui/admin/account-archive", form).status_code == 303
    assert _account(ws, account).archived_at is not None
    # No new message reaches it, at once (the process that archived it forgot it), and nothing is stored.
    refused = _send(ws, api, "arch-2")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "account_not_found"
    assert _count(ws, t.messages, account_id=account) == 1
    # Webhooks and pollers (platform, external id → account) do not find it either.
    row = _account(ws, account)
    assert AccountDirectory(ttl=0).lookup(ws.runtime.db, {(row.platform, row.external_id)}) == {}
    # Its history is kept and still opens.
    assert _count(ws, t.conversations, account_id=account) == 1
    assert sue.get(f"/c/{conversation}").status_code == 200
    # It is no longer offered: redirections, account calendars.
    other = _new_account(ws, "alpha_other")
    page = sue.get(f"/ui/admin/accounts?brand={a}").text
    assert "archived on" in page and "/ui/admin/account-restore" in page
    assert f'<option value="{account}"' not in page
    assert f'name="account_id" value="{account}"' not in sue.get(f"/ui/admin/calendar?brand={a}").text
    response = _post(
        sue,
        "/ui/admin/account-settings",
        {**form, "account_id": other, "kind": "care", "redirect_to": account},
    )
    assert response.status_code == 400 and "Redirections go to an account of the same brand." in response.text
    response = _post(
        sue,
        "/ui/admin/accounts",
        {
            "brand_id": a,
            "platform": "email",
            "handle": "h@alpha.test",
            "kind": "care",
            "redirect_to": account,
        },
    )
    assert response.status_code == 400
    # Restored: it takes messages again.
    assert _post(sue, "/ui/admin/account-restore", form).status_code == 303
    assert _account(ws, account).archived_at is None
    assert _send(ws, api, "arch-3").status_code == 202
    with ws.runtime.db.read() as conn:
        actions = [
            r.action
            for r in conn.execute(
                select(t.audit_events.c.action)
                .where(
                    t.audit_events.c.actor == f"agent:{ws.agents['sue']}",
                    t.audit_events.c.action.like("account.%"),
                )
                .order_by(t.audit_events.c.id)
            )
        ]
    assert actions == ["account.archived", "account.restored"]


def test_an_empty_account_is_deleted_with_its_calendar(ws: Workspace) -> None:
    sue = ws.client("sue")
    empty = _new_account(ws, "alpha_new")
    sla.set_calendar(ws.runtime.db, ws.a.id, CALENDAR, account_id=empty)
    ws.ingest(ws.a, "keep-1")
    page = sue.get(f"/ui/admin/accounts?brand={ws.a.id}").text
    assert 'aria-label="Delete: alpha_new"' in page
    assert (
        f'aria-label="Delete: {_account(ws, ws.a.account_id).handle}"' not in page
    )  # has history: not offered
    assert (
        _post(sue, "/ui/admin/account-delete", {"brand_id": ws.a.id, "account_id": empty}).status_code == 303
    )
    assert _account(ws, empty) is None
    assert _count(ws, t.calendars, account_id=empty) == 0
    assert _count(ws, t.audit_events, action="account.deleted", actor=f"agent:{ws.agents['sue']}") == 1
    assert (
        _post(sue, "/ui/admin/account-delete", {"brand_id": ws.a.id, "account_id": empty}).status_code == 404
    )


def test_an_account_others_redirect_to_is_kept(ws: Workspace) -> None:
    sue = ws.client("sue")
    care = _new_account(ws, "alpha_care")
    _new_account(ws, "alpha_corporate", kind=AccountKind.CORPORATE, redirect_to=care)
    for url in ("/ui/admin/account-archive", "/ui/admin/account-delete"):
        response = _post(sue, url, {"brand_id": ws.a.id, "account_id": care})
        assert response.status_code == 400, url
        assert (
            "Other accounts send their customers to this one" in response.text
            and "alpha_corporate" in response.text
        )
    assert _account(ws, care).archived_at is None


def test_archiving_stays_in_its_brand(ws: Workspace) -> None:
    bea = ws.client("bea")
    empty = _new_account(ws, "alpha_empty")
    with ws.runtime.db.transaction() as tx:  # one archived Alpha account, to try restoring it
        tx.conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == ws.a.account_id)
            .values(archived_at=t.accounts.c.created_at)
        )
    for url, account in (
        ("/ui/admin/account-archive", empty),
        ("/ui/admin/account-restore", ws.a.account_id),
        ("/ui/admin/account-delete", empty),
    ):
        for brand in (ws.a.id, ws.b.id):
            assert _post(bea, url, {"brand_id": brand, "account_id": account}).status_code == 404, (
                url,
                brand,
            )
        assert _post(ws.client("alice"), url, {"brand_id": ws.a.id, "account_id": account}).status_code == 403
        response = ws.client("sue").post(
            url, data={"brand_id": ws.a.id, "account_id": account}, follow_redirects=False
        )
        assert response.status_code == 403  # no CSRF token
    assert _account(ws, empty).archived_at is None
    assert _account(ws, ws.a.account_id).archived_at is not None
    assert _count(ws, t.audit_events, action="account.archived") == 0


def test_the_accounts_page_stays_accessible_in_both_languages(ws: Workspace) -> None:
    from tests.ui.test_accessibility import check

    sue = ws.client("sue")
    _new_account(ws, "alpha_new")
    ws.ingest(ws.a, "a11y")
    assert (
        _post(
            sue, "/ui/admin/account-archive", {"brand_id": ws.a.id, "account_id": ws.a.account_id}
        ).status_code
        == 303
    )
    for language in ("en", "fr"):
        _post(sue, "/ui/language", {"language": language, "next": "/"})
        page = sue.get(f"/ui/admin/accounts?brand={ws.a.id}").text
        check(page)
    assert "archivé le" in page and "Restaurer" in page


def test_an_archived_web_chat_is_closed_to_visitors(ws: Workspace) -> None:
    chat = int(
        admin.create_account(ws.runtime.db, brand_id=ws.a.id, platform=Platform.WEBCHAT, handle="Alpha chat")[
            "id"
        ]
    )
    visitor = ws.client()
    assert visitor.get(f"/webchat/{chat}/status").status_code == 200
    assert (
        _post(
            ws.client("sue"), "/ui/admin/account-archive", {"brand_id": ws.a.id, "account_id": chat}
        ).status_code
        == 303
    )
    assert visitor.get(f"/webchat/{chat}/status").status_code == 404
