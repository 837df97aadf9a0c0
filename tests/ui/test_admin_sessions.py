"""Removing an agent from a brand, or disabling an agent, ends their open sessions at once."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.actions import admin
from comptoir.store import tables as t
from comptoir.web.ui.security import SESSION_COOKIE, SessionSigner
from tests.ui.conftest import PASSWORD, Workspace, csrf_of, page_csrf

SUPERVISOR_ONLY = "/ui/audit"


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _logged_out(client: TestClient, csrf: str) -> None:
    """The old cookie no longer works: pages send to the login form, workspace calls and forms get 401."""
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert client.get("/ui/inbox/rows", follow_redirects=False).status_code == 401
    assert client.post("/ui/views", data={"name": "v", "query": "", "csrf_token": csrf}).status_code == 401


def _agent(ws: Workspace, who: str) -> Any:
    with ws.runtime.db.read() as conn:
        return conn.execute(select(t.agents).where(t.agents.c.id == ws.agents[who])).one()


def _api(ws: Workspace, token: str) -> int:
    return (
        TestClient(ws.app)
        .get("/api/v1/conversations", headers={"Authorization": f"Bearer {token}"})
        .status_code
    )


def _login_status(ws: Workspace, who: str) -> int:
    client = ws.client()
    token = csrf_of(client.get("/login").text)
    data = {"email": f"{who}@example.test", "password": PASSWORD, "csrf_token": token, "next": "/"}
    return client.post("/login", data=data, follow_redirects=False).status_code


def test_removing_an_agent_from_a_brand_ends_their_sessions(ws: Workspace) -> None:
    alpha_conversation = ws.ingest(ws.a, "sess-a", text="Alpha customer writes")
    ws.ingest(ws.b, "sess-b", text="Beta customer writes")
    alpha_token = admin.create_token(ws.runtime.db, ws.a.id, agent_id=ws.agents["both"])
    beta_token = admin.create_token(ws.runtime.db, ws.b.id, agent_id=ws.agents["both"])
    both, alice = ws.client("both"), ws.client("alice")
    csrf = page_csrf(both)
    assert both.get(f"/c/{alpha_conversation}").status_code == 200
    assert _api(ws, alpha_token) == 200
    sue = ws.client("sue")
    assert (
        _post(sue, "/ui/admin/agent-remove", {"brand_id": ws.a.id, "agent_id": ws.agents["both"]}).status_code
        == 303
    )
    _logged_out(both, csrf)
    assert both.get(f"/c/{alpha_conversation}", follow_redirects=False).status_code == 303
    assert _api(ws, alpha_token) == 401 and _api(ws, beta_token) == 200  # that brand's personal tokens only
    # Logging in again: the other brand only.
    again = ws.client("both")
    page = again.get("/").text
    assert "Beta customer writes" in page and "Alpha customer writes" not in page
    assert again.get(f"/c/{alpha_conversation}").status_code == 404
    # Nobody else was logged out.
    assert alice.get("/").status_code == 200 and sue.get(SUPERVISOR_ONLY).status_code == 200


def test_disabling_an_agent_ends_their_sessions_and_their_work(ws: Workspace) -> None:
    conversation = ws.ingest(ws.a, "dis-1")
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(
            update(t.conversations)
            .where(t.conversations.c.id == conversation)
            .values(assignee_id=ws.agents["alice"])
        )
        tx.conn.execute(
            update(t.agents).where(t.agents.c.id == ws.agents["alice"]).values(availability="online")
        )
    token = admin.create_token(ws.runtime.db, ws.a.id, agent_id=ws.agents["alice"])
    alice, sue = ws.client("alice"), ws.client("sue")
    csrf = page_csrf(alice)
    form = {"brand_id": ws.a.id, "agent_id": ws.agents["alice"]}
    assert _post(sue, "/ui/admin/agent-disable", form).status_code == 303
    _logged_out(alice, csrf)
    assert _login_status(ws, "alice") == 401  # cannot log in any more
    assert _api(ws, token) == 401
    row = _agent(ws, "alice")
    assert row.disabled_at is not None and row.availability == "offline"
    with ws.runtime.db.read() as conn:
        assert (
            conn.execute(
                select(t.conversations.c.assignee_id).where(t.conversations.c.id == conversation)
            ).scalar_one()
            is None
        )
    page = sue.get(f"/ui/admin/agents?brand={ws.a.id}").text
    assert "disabled on" in page and "/ui/admin/agent-enable" in page
    # A disabled agent stays offline.
    settings = {
        "brand_id": ws.a.id,
        "agent_id": ws.agents["alice"],
        "capacity": "5",
        "availability": "online",
    }
    response = _post(sue, "/ui/admin/agent-settings", settings)
    assert (
        response.status_code == 400 and "A disabled agent stays offline: enable them first." in response.text
    )
    assert _agent(ws, "alice").availability == "offline"
    # Enabled again: a new login works; the session from before stays ended.
    assert _post(sue, "/ui/admin/agent-enable", form).status_code == 303
    assert _agent(ws, "alice").disabled_at is None
    _logged_out(alice, csrf)
    assert ws.client("alice").get("/").status_code == 200
    with ws.runtime.db.read() as conn:
        audited = [
            (r.action, r.brand_id)
            for r in conn.execute(
                select(t.audit_events.c.action, t.audit_events.c.brand_id)
                .where(
                    t.audit_events.c.actor == f"agent:{ws.agents['sue']}",
                    t.audit_events.c.action.like("agent.%abled"),
                )
                .order_by(t.audit_events.c.id)
            )
        ]
    assert audited == [("agent.disabled", ws.a.id), ("agent.enabled", ws.a.id)]


def test_who_may_disable_whom(ws: Workspace) -> None:
    sue, bea = ws.client("sue"), ws.client("bea")
    a = ws.a.id
    for target, message in (
        ("sue", "You cannot do that to your own account."),
        ("both", "This agent also works for other brands: remove them from this brand instead."),
    ):
        response = _post(sue, "/ui/admin/agent-disable", {"brand_id": a, "agent_id": ws.agents[target]})
        assert response.status_code == 400 and message in response.text, target
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(update(t.agents).where(t.agents.c.id == ws.agents["alice"]).values(role="admin"))
    response = _post(sue, "/ui/admin/agent-disable", {"brand_id": a, "agent_id": ws.agents["alice"]})
    assert response.status_code == 400 and "Only an admin can do that to an admin." in response.text
    # Another brand's supervisor: 404 naming either brand; an agent: 403; no CSRF token: 403.
    for brand in (a, ws.b.id):
        assert (
            _post(
                bea, "/ui/admin/agent-disable", {"brand_id": brand, "agent_id": ws.agents["alice"]}
            ).status_code
            == 404
        )
    assert (
        _post(
            ws.client("both"), "/ui/admin/agent-disable", {"brand_id": a, "agent_id": ws.agents["alice"]}
        ).status_code
        == 403
    )
    response = sue.post(
        "/ui/admin/agent-disable",
        data={"brand_id": a, "agent_id": ws.agents["alice"]},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert all(_agent(ws, who).disabled_at is None for who in ("sue", "both", "alice"))
    assert all(_agent(ws, who).session_version == 0 for who in ("sue", "both", "alice"))


def test_a_session_issued_before_versions_existed_still_works(ws: Workspace) -> None:
    """Cookies without a version (issued before this change) are version 0, the version of every agent so far."""
    client = ws.client()
    signer = SessionSigner(ws.runtime.settings.secret_key)
    old = {"a": ws.agents["alice"], "c": "x" * 32, "iat": int(time.time())}
    client.cookies.set(SESSION_COOKIE, signer.dumps(old))
    assert client.get("/", follow_redirects=False).status_code == 200
    with ws.runtime.db.transaction() as tx:
        admin.end_sessions(tx, ws.agents["alice"])
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_agents_page_stays_accessible_in_both_languages(ws: Workspace) -> None:
    from tests.ui.test_accessibility import check

    sue = ws.client("sue")
    assert (
        _post(
            sue, "/ui/admin/agent-disable", {"brand_id": ws.a.id, "agent_id": ws.agents["alice"]}
        ).status_code
        == 303
    )
    for language in ("en", "fr"):
        _post(sue, "/ui/language", {"language": language, "next": "/"})
        page = sue.get(f"/ui/admin/agents?brand={ws.a.id}").text
        check(page)
    assert "désactivé le" in page
