"""The access matrix: every workspace route, anonymous, from another brand, and from the right brand."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from tests.ui.conftest import Workspace, page_csrf

# (method, path template, form) for every workspace route; {c} is a conversation, {m} one of its messages.
ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/", {}),
    ("GET", "/ui/inbox/rows", {}),
    ("GET", "/ui/events", {}),
    ("GET", "/ui/audit", {}),
    ("POST", "/ui/views", {"name": "mine", "query": "status=open"}),
    ("POST", "/logout", {}),
    ("POST", "/ui/language", {"language": "fr", "next": "/"}),
    ("GET", "/ui/templates", {}),
    ("POST", "/ui/templates", {"brand_id": "{b}", "name": "t1", "language": "fr", "body": "Bonjour"}),
    ("POST", "/ui/templates/{t}/delete", {}),
    ("GET", "/ui/tokens", {}),
    ("POST", "/ui/tokens", {"brand_id": "{b}", "label": "mine"}),
    ("POST", "/ui/tokens/{k}/revoke", {}),
    ("GET", "/c/{c}", {}),
    ("GET", "/ui/c/{c}/timeline", {}),
    ("GET", "/ui/c/{c}/templates", {}),
    ("POST", "/ui/c/{c}/coach", {"text": "Hello"}),
    ("POST", "/ui/c/{c}/presence", {"state": "replying"}),
    ("POST", "/c/{c}/reply", {"text": "Hello there", "idempotency_key": "k"}),
    ("POST", "/c/{c}/note", {"text": "internal"}),
    ("POST", "/c/{c}/status", {"status": "pending"}),
    ("POST", "/c/{c}/assign", {"assignee": "me"}),
    ("POST", "/c/{c}/team", {"team": ""}),
    ("POST", "/c/{c}/tags", {"tags": "x"}),
    ("POST", "/c/{c}/triage", {"message_id": "{m}", "judgement": "intent", "value": "complaint"}),
    ("POST", "/c/{c}/messages/{m}/retry", {}),
    ("POST", "/c/{c}/escalate", {"team": "{team}", "note": "see this"}),
    ("POST", "/c/{c}/escalation-urls", {"team": "{team}", "urls": "json://127.0.0.1:9/hook"}),
    ("POST", "/c/{c}/snooze", {"duration": "1h"}),
    ("POST", "/c/{c}/private", {"text": "Write to us privately"}),
    ("POST", "/c/{c}/link", {"other": "{c}"}),
    ("POST", "/c/{c}/redirect", {}),
    ("GET", "/ui/responsiveness", {}),
    ("GET", "/ui/admin", {}),
    *[("GET", f"/ui/admin/{s}", {}) for s in ("accounts", "teams", "agents", "routing", "calendar", "policies",
                                               "ack-rules", "triage", "apps")],
    ("POST", "/ui/admin/routing", {"brand_id": "{b}", "name": "r", "target": '{"team_id": {team}}'}),
    ("POST", "/ui/admin/brands", {"name": "Matrix brand"}),
    ("POST", "/ui/admin/accounts", {"brand_id": "{b}", "platform": "email", "handle": "m@x.test", "kind": "care"}),
    ("POST", "/ui/admin/teams", {"brand_id": "{b}", "name": "Matrix team"}),
    ("POST", "/ui/admin/account-settings", {"brand_id": "{b}", "account_id": "{acc}", "kind": "care"}),
    ("POST", "/ui/admin/account-archive", {"brand_id": "{b}", "account_id": "{acc}"}),
    ("POST", "/ui/admin/account-restore", {"brand_id": "{b}", "account_id": "{acc}"}),  # after account-archive
    ("POST", "/ui/admin/account-delete", {"brand_id": "{b}", "account_id": "{empty}"}),
    ("POST", "/ui/admin/team-members", {"brand_id": "{b}", "team_id": "{team}", "agent_id": "{ag}"}),
    ("POST", "/ui/admin/agents",
     {"brand_id": "{b}", "email": "m@x.test", "name": "M", "role": "agent", "password": "matrix password"}),
    ("POST", "/ui/admin/agent-settings", {"brand_id": "{b}", "agent_id": "{ag}", "capacity": "5", "availability": "away"}),
    ("POST", "/ui/admin/calendar", {"brand_id": "{b}", "spec": '{"timezone": "Europe/Paris", "hours": {}}'}),
    ("POST", "/ui/admin/account-calendar",
     {"brand_id": "{b}", "account_id": "{acc}", "spec": '{"timezone": "Asia/Tokyo", "hours": {}}'}),
    ("POST", "/ui/admin/account-calendar-delete", {"brand_id": "{b}", "account_id": "{acc}"}),
    ("POST", "/ui/admin/policies", {"brand_id": "{b}", "name": "p", "first_response_minutes": "30"}),
    ("POST", "/ui/admin/ack-rules", {"brand_id": "{b}", "name": "r", "when": "first_contact"}),
    ("POST", "/ui/admin/policy-update",
     {"brand_id": "{b}", "policy_id": "{pol}", "name": "p", "first_response_minutes": "20"}),
    ("POST", "/ui/admin/policy-move", {"brand_id": "{b}", "policy_id": "{pol}", "direction": "up"}),
    ("POST", "/ui/admin/policy-delete", {"brand_id": "{b}", "policy_id": "{pol}"}),  # after the other policy routes
    ("POST", "/ui/admin/ack-rule-change", {"brand_id": "{b}", "rule_id": "{ack}", "op": "disable"}),
    ("POST", "/ui/admin/routing-rule-change", {"brand_id": "{b}", "rule_id": "{rr}", "op": "up"}),
    ("POST", "/ui/admin/ack-rule-update", {"brand_id": "{b}", "rule_id": "{ack}", "name": "r2", "when": "out_of_hours"}),
    ("POST", "/ui/admin/routing-rule-update",
     {"brand_id": "{b}", "rule_id": "{rr}", "name": "r2", "target": '{"team_id": {team}, "assign": "load"}'}),
    ("POST", "/ui/admin/apps",
     {"brand_id": "{b}", "platform": "x", "name": "Matrix X", "consumer_key": "k", "consumer_secret": "s"}),
    ("POST", "/ui/admin/app-update", {"brand_id": "{b}", "app_id": "{app}", "name": "Matrix app", "verify_token": "v2"}),
    ("POST", "/ui/admin/app-delete", {"brand_id": "{b}", "app_id": "{app}"}),  # after app-update
    ("POST", "/ui/admin/agent-role", {"brand_id": "{b}", "agent_id": "{other}", "role": "agent"}),
    ("POST", "/ui/admin/agent-disable", {"brand_id": "{b}", "agent_id": "{other}"}),
    ("POST", "/ui/admin/agent-enable", {"brand_id": "{b}", "agent_id": "{other}"}),  # before agent-remove
    ("POST", "/ui/admin/agent-remove", {"brand_id": "{b}", "agent_id": "{other}"}),
    ("POST", "/ui/admin/triage-train", {"brand_id": "{b}"}),
    ("POST", "/ui/admin/triage-revert", {"brand_id": "{b}"}),
    ("POST", "/ui/admin/triage-activate", {"brand_id": "{b}", "version": "v1"}),
]
PUBLIC = {("GET", "/login"), ("POST", "/login")}
SCOPED = [r for r in ROUTES if any(k in r[1] or k in str(r[2]) for k in ("{c}", "{t}", "{k}", "{b}", "{team}"))]
#: Routes that need a public conversation or a redirecting account: brand-checked here, exercised in test_case_moves.
NEEDS_SETUP = {"/c/{c}/private", "/c/{c}/link", "/c/{c}/redirect"}
#: Triage model routes need 20 corrections, a trained version, and a model folder of the test's own (not the
#: checkout's var/): brand-checked here, exercised in test_admin_triage.
NEEDS_SETUP |= {"/ui/admin/triage-train", "/ui/admin/triage-revert", "/ui/admin/triage-activate"}


def _fill(value: str, c: int, m: int, extra: dict[str, int] | None = None) -> str:
    value = value.replace("{c}", str(c)).replace("{m}", str(m))
    for key, number in (extra or {}).items():
        value = value.replace("{" + key + "}", str(number))
    return value


def _ids(ws: Workspace, brand: int, agent: str) -> dict[str, int]:
    """A template of ``brand`` and a personal token of ``agent`` for the routes that need one."""
    from sqlalchemy import insert, select

    from comptoir import clock
    from comptoir.store import tables as t

    with ws.runtime.db.transaction() as tx:
        template = tx.conn.execute(
            select(t.reply_templates.c.id).where(t.reply_templates.c.brand_id == brand).limit(1)
        ).scalar_one()
        token = tx.conn.execute(
            insert(t.api_tokens).values(
                brand_id=brand, token_hash=f"h-{agent}-{brand}", agent_id=ws.agents[agent], created_at=clock.now()
            )
        ).inserted_primary_key[0]
    from comptoir.actions import acknowledgements, routing
    from comptoir.actions.admin import create_team
    from comptoir.actions.sla import create_policy

    team = create_team(ws.runtime.db, brand, f"escalations-{agent}")
    account = ws.a.account_id if brand == ws.a.id else ws.b.account_id
    policy = create_policy(ws.runtime.db, brand, name=f"matrix-{agent}", targets={"first_response_minutes": 30})
    ack = acknowledgements.create_rule(ws.runtime.db, brand, f"matrix-{agent}", {"when": "first_contact"})
    rule = routing.create_rule(ws.runtime.db, brand, f"matrix-{agent}", {}, {"team_id": team})["id"]
    from comptoir.channels.apps import create_platform_app

    app = create_platform_app(
        ws.runtime.db, ws.runtime.settings, platform="meta", name=f"matrix-{agent}",
        secrets={"app_secret": "a", "verify_token": "v"}, brand_id=brand,
    )["id"]
    from comptoir.actions.admin import create_account
    from comptoir.domain.enums import Platform

    empty = create_account(ws.runtime.db, brand_id=brand, platform=Platform.EMAIL, handle=f"empty-{agent}@x.test")["id"]
    return {"b": brand, "t": int(template), "k": int(token), "team": team, "ag": ws.agents[agent], "acc": account,
            "pol": policy, "ack": ack, "rr": rule, "other": ws.agents["alice"], "app": app, "empty": empty}


def _message_id(ws: Workspace, conversation_id: int) -> int:
    from sqlalchemy import select

    from comptoir.store import tables as t

    with ws.runtime.db.read() as conn:
        return int(
            conn.execute(
                select(t.messages.c.id).where(t.messages.c.conversation_id == conversation_id).limit(1)
            ).scalar_one()
        )


def test_the_matrix_covers_every_workspace_route() -> None:
    from comptoir.web.ui import admin, auth_routes, case_routes, inbox_routes, settings_routes

    declared = {
        (method, route.path)
        for module in (admin, auth_routes, case_routes, inbox_routes, settings_routes)
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods - {"HEAD"}
    }
    names = {"{c}": "{conversation_id}", "{m}": "{message_id}", "{t}": "{template_id}", "{k}": "{token_id}"}
    covered = set()
    for method, path, _ in ROUTES:
        for short, long in names.items():
            path = path.replace(short, long)
        covered.add((method, path))
    assert declared - PUBLIC - covered == set(), "a workspace route is missing from the access matrix"


def test_anonymous_requests_are_sent_to_login(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "anon-1")
    m = _message_id(ws, c)
    extra = _ids(ws, ws.a.id, "alice")
    client = ws.client()
    for method, path, form in ROUTES:
        url = _fill(path, c, m, extra)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
            if url.startswith("/ui/"):
                assert response.status_code == 401, url
            else:
                assert response.status_code == 303 and response.headers["location"].startswith("/login"), url
        else:
            token = ""
            data = {k: _fill(str(v), c, m, extra) for k, v in form.items()} | {"csrf_token": token}
            response = client.post(url, data=data, follow_redirects=False)
            if path == "/ui/language":
                assert response.status_code == 403, url  # no session token: CSRF refused even here
            else:
                assert response.status_code in (401, 403), (url, response.status_code)


def test_another_brands_data_is_not_found_on_every_route(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "iso-1", text="Secret de la marque Alpha")
    m = _message_id(ws, c)
    extra = _ids(ws, ws.a.id, "alice")
    client = ws.client("bea")  # a supervisor, of the other brand
    token = page_csrf(client)
    for method, path, form in SCOPED:
        url = _fill(path, c, m, extra)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            data = {k: _fill(str(v), c, m, extra) for k, v in form.items()} | {"csrf_token": token}
            response = client.post(url, data=data, follow_redirects=False)
        assert response.status_code == 404, (url, response.status_code, response.text[:200])
        assert "Secret de la marque" not in response.text
    from comptoir.replies.library import create_template

    create_template(ws.runtime.db, brand_id=ws.a.id, name="alpha-only", language="fr", body="Texte secret Alpha")
    assert "Texte secret Alpha" not in client.get("/ui/templates").text
    assert "Texte secret Alpha" in ws.client("sue").get("/ui/templates").text
    assert "h-alice" not in client.get("/ui/tokens").text
    inbox = client.get("/?status=all&noise=all").text
    assert "Secret de la marque" not in inbox
    assert "Secret de la marque" not in client.get("/ui/inbox/rows?status=all&noise=all&q=Secret").text
    # Nothing changed on Alpha's conversation.
    with ws.runtime.db.read() as conn:
        from sqlalchemy import func, select

        from comptoir.store import tables as t

        assert conn.execute(select(t.conversations.c.status).where(t.conversations.c.id == c)).scalar_one() == "open"
        assert (
            conn.execute(
                select(func.count()).select_from(t.messages).where(t.messages.c.conversation_id == c)
            ).scalar_one()
            == 1
        )
        assert (
            conn.execute(
                select(func.count()).select_from(t.audit_events).where(t.audit_events.c.actor == f"agent:{ws.agents['bea']}",
                                                                          t.audit_events.c.conversation_id == c)
            ).scalar_one()
            == 0
        )


def test_the_right_brand_can_use_every_route(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "ok-1")
    m = _message_id(ws, c)
    extra = _ids(ws, ws.a.id, "sue")
    client = ws.client("sue")
    for method, path, form in ROUTES:
        if path in ("/logout", "/ui/events", "/c/{c}/messages/{m}/retry", "/ui/admin/brands") or path in NEEDS_SETUP:
            continue  # logout ends the session; the stream never ends; retry needs a failed reply (tested apart); brands: admins only (test_admin)
        url = _fill(path, c, m, extra)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
            assert response.status_code == 200, (url, response.status_code, response.text[:300])
        else:
            data = {k: _fill(str(v), c, m, extra) for k, v in form.items()} | {"csrf_token": page_csrf(client)}
            response = client.post(url, data=data, follow_redirects=False)
            assert response.status_code in (200, 204, 303), (url, response.status_code, response.text[:300])
            assert "error=" not in response.headers.get("location", ""), url


def test_an_agent_of_two_brands_sees_both(ws: Workspace) -> None:
    ws.ingest(ws.a, "two-a", text="Alpha customer writes")
    ws.ingest(ws.b, "two-b", text="Beta customer writes")
    page = ws.client("both").get("/").text
    assert "Alpha customer writes" in page and "Beta customer writes" in page
    page = ws.client("alice").get("/").text
    assert "Alpha customer writes" in page and "Beta customer writes" not in page


def test_the_audit_log_is_for_supervisors(ws: Workspace) -> None:
    assert ws.client("alice").get("/ui/audit").status_code == 403
    page = ws.client("sue").get("/ui/audit")
    assert page.status_code == 200 and "agent.logged_in" in page.text


def test_the_api_token_of_one_brand_cannot_read_another(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "api-iso")
    client = ws.client()
    response = client.get(f"/api/v1/conversations/{c}", headers={"Authorization": f"Bearer {ws.b.token}"})
    assert response.status_code == 404
    response = client.get(f"/api/v1/conversations/{c}", headers={"Authorization": f"Bearer {ws.a.token}"})
    assert response.status_code == 200
