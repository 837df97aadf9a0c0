"""Administration screens: supervisors only, scoped to their brands, validated, audited."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.store import tables as t
from tests.ui.conftest import Workspace, page_csrf

PAGES = ["/ui/admin"] + [
    f"/ui/admin/{s}" for s in ("accounts", "teams", "agents", "routing", "calendar", "policies", "ack-rules", "triage", "apps")
]
CALENDAR = {"timezone": "Europe/Paris", "hours": {"mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]]}}


def _count(ws: Workspace, table: Any, **where: Any) -> int:
    with ws.runtime.db.read() as conn:
        query = select(func.count()).select_from(table)
        for key, value in where.items():
            query = query.where(table.c[key] == value)
        return int(conn.execute(query).scalar_one())


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _audited(ws: Workspace, who: str, action: str, brand_id: int) -> int:
    return _count(ws, t.audit_events, actor=f"agent:{ws.agents[who]}", action=action, brand_id=brand_id)


def test_an_agent_gets_403_on_every_admin_page_and_form(ws: Workspace) -> None:
    client = ws.client("alice")
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    response = _post(client, "/ui/admin/teams", {"brand_id": ws.a.id, "name": "Sneaky"})
    assert response.status_code == 403
    assert _count(ws, t.teams, brand_id=ws.a.id) == 0
    # A supervisor sees the pages, and the navigation link.
    sup = ws.client("sue")
    for url in PAGES:
        assert sup.get(url).status_code == 200, url
    assert 'href="/ui/admin"' in sup.get("/").text
    assert 'href="/ui/admin"' not in client.get("/").text


def test_a_supervisor_sets_up_a_brand(ws: Workspace) -> None:
    client = ws.client("sue")
    a = ws.a.id
    response = _post(
        client,
        "/ui/admin/accounts",
        {"brand_id": a, "platform": "email", "handle": "aide@alpha.test", "kind": "care", "redirect_to": ""},
    )
    assert response.status_code == 303, response.text
    response = _post(
        client,
        "/ui/admin/accounts",
        {"brand_id": a, "platform": "x", "handle": "alpha_lyon", "external_id": "987", "kind": "regional",
         "region": "Lyon", "redirect_to": str(ws.a.account_id)},
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/ui/admin/accounts?brand={a}").text
    assert "aide@alpha.test" in page and "alpha_lyon" in page and "Lyon" in page

    assert _post(client, "/ui/admin/teams", {"brand_id": a, "name": "Niveau 2"}).status_code == 303
    assert "Niveau 2" in client.get(f"/ui/admin/teams?brand={a}").text
    with ws.runtime.db.read() as conn:
        team_id = conn.execute(select(t.teams.c.id).where(t.teams.c.brand_id == a)).scalar_one()
    response = _post(
        client, "/ui/admin/team-members", {"brand_id": a, "team_id": team_id, "agent_id": ws.agents["alice"]}
    )
    assert response.status_code == 303
    assert _count(ws, t.team_members, team_id=team_id) == 1

    response = _post(client, "/ui/admin/calendar", {"brand_id": a, "spec": json.dumps(CALENDAR)})
    assert response.status_code == 303, response.text
    assert "Europe/Paris" in client.get(f"/ui/admin/calendar?brand={a}").text

    for name, minutes in (("Plaintes X", "30"), ("Par défaut", "120")):
        response = _post(
            client,
            "/ui/admin/policies",
            {"brand_id": a, "name": name, "first_response_minutes": minutes, "resolution_minutes": "1440",
             "business_hours": "on", "conditions": '{"channels": ["x"]}' if name == "Plaintes X" else ""},
        )
        assert response.status_code == 303, response.text
    page = client.get(f"/ui/admin/policies?brand={a}").text
    assert page.index("Plaintes X") < page.index("Par défaut")

    response = _post(
        client,
        "/ui/admin/ack-rules",
        {"brand_id": a, "name": "Hors horaires", "when": "out_of_hours", "kind": "delay", "channels": "x, facebook",
         "template_fr": "Bonjour {name}, réponse dans {delay}.", "min_interval_hours": "12"},
    )
    assert response.status_code == 303, response.text
    with ws.runtime.db.read() as conn:
        spec = conn.execute(select(t.ack_rules.c.spec).where(t.ack_rules.c.brand_id == a)).scalar_one()
    assert spec["channels"] == ["x", "facebook"] and spec["min_interval_hours"] == 12

    response = _post(
        client,
        "/ui/admin/agents",
        {"brand_id": a, "email": "new@example.test", "name": "Nina Neuve", "role": "agent",
         "password": "a long enough password"},
    )
    assert response.status_code == 303, response.text
    response = _post(
        client,
        "/ui/admin/agent-settings",
        {"brand_id": a, "agent_id": ws.agents["alice"], "capacity": "4", "availability": "online"},
    )
    assert response.status_code == 303
    with ws.runtime.db.read() as conn:
        row = conn.execute(
            select(t.agents.c.capacity, t.agents.c.availability).where(t.agents.c.id == ws.agents["alice"])
        ).one()
    assert (row.capacity, row.availability) == (4, "online")

    # Every change is in the audit log, by this supervisor.
    for action, times in (
        ("account.created", 2), ("team.created", 1), ("team.member_added", 1), ("sla.calendar.set", 1),
        ("sla.policy.created", 2), ("ack_rule.created", 1), ("agent.created", 1), ("agent.settings_changed", 1),
    ):
        assert _audited(ws, "sue", action, a) == times, action
    # The supervisor cannot create an admin.
    response = _post(
        client,
        "/ui/admin/agents",
        {"brand_id": a, "email": "boss@example.test", "name": "Boss", "role": "admin", "password": "x" * 20},
    )
    assert response.status_code == 400


def test_invalid_input_says_why_and_writes_nothing(ws: Workspace) -> None:
    client = ws.client("sue")
    a = ws.a.id
    before = _count(ws, t.audit_events)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/ui/admin/accounts", {"platform": "x", "handle": " ", "kind": "care"}, "A required field is empty."),
        ("/ui/admin/accounts", {"platform": "pigeon", "handle": "h", "kind": "care"},
         "Choose one of the proposed values."),
        ("/ui/admin/accounts", {"platform": "x", "handle": "h", "kind": "regional"},
         "A regional account needs its region."),
        ("/ui/admin/accounts", {"platform": "x", "handle": "h", "kind": "care", "redirect_to": "999999"},
         "Redirections go to an account of the same brand."),
        ("/ui/admin/teams", {"name": ""}, "A required field is empty."),
        ("/ui/admin/calendar", {"spec": "{not json"}, "This is not valid JSON."),
        ("/ui/admin/calendar", {"spec": '{"timezone": "Mars/Olympus", "hours": {}}'}, "That was not accepted"),
        ("/ui/admin/policies", {"name": "p", "first_response_minutes": "soon"}, "A number was expected."),
        ("/ui/admin/policies", {"name": "p"}, "A policy needs at least one target."),
        ("/ui/admin/policies", {"name": "p", "first_response_minutes": "5", "conditions": '{"channels": ["fax"]}'},
         "That was not accepted"),
        ("/ui/admin/ack-rules", {"name": "r", "when": "sometimes", "kind": "receipt"}, "That was not accepted"),
        ("/ui/admin/ack-rules", {"name": "r", "when": "first_contact", "kind": "redirect"}, "That was not accepted"),
        ("/ui/admin/agents", {"email": "x@example.test", "name": "X", "role": "agent", "password": "short"},
         "That was not accepted"),
        ("/ui/admin/agent-settings", {"agent_id": ws.agents["alice"], "capacity": "-3", "availability": "online"},
         "Capacity is a whole number from 0 to 1000."),
    ]
    for url, form, message in cases:
        response = _post(client, url, {"brand_id": a} | form)
        assert response.status_code == 400, (url, form, response.status_code)
        assert message in response.text, (url, form)
        assert "Details:" in response.text
    assert _post(client, "/ui/admin/teams", {"brand_id": a, "name": "Twice"}).status_code == 303
    response = _post(client, "/ui/admin/teams", {"brand_id": a, "name": "Twice"})
    assert response.status_code == 409 and "That conflicts with existing data." in response.text
    assert _count(ws, t.audit_events) == before + 1  # only the first "Twice"
    assert _count(ws, t.accounts, brand_id=a) == 1
    assert _count(ws, t.calendars, brand_id=a) == 0
    assert _count(ws, t.sla_policies, brand_id=a) == 0
    assert _count(ws, t.ack_rules, brand_id=a) == 0
    # In French too.
    client.cookies.set("comptoir_lang", "fr")
    _post(client, "/ui/language", {"language": "fr", "next": "/"})
    response = _post(client, "/ui/admin/calendar", {"brand_id": a, "spec": "[1, 2"})
    assert response.status_code == 400 and "JSON valide" in response.text


def test_another_brands_objects_are_invisible(ws: Workspace) -> None:
    bea = ws.client("bea")  # supervisor of Beta
    a = ws.a.id
    for url in PAGES:
        assert bea.get(f"{url}?brand={a}").status_code == 404, url
    sue = ws.client("sue")
    assert _post(sue, "/ui/admin/teams", {"brand_id": a, "name": "Equipe Alpha secrete"}).status_code == 303
    with ws.runtime.db.read() as conn:
        team_id = conn.execute(select(t.teams.c.id).where(t.teams.c.brand_id == a)).scalar_one()
    assert "Equipe Alpha secrete" not in bea.get("/ui/admin/teams").text
    for url, form in (
        ("/ui/admin/teams", {"brand_id": a, "name": "x"}),
        ("/ui/admin/accounts", {"brand_id": a, "platform": "email", "handle": "h@x.test", "kind": "care"}),
        ("/ui/admin/calendar", {"brand_id": a, "spec": json.dumps(CALENDAR)}),
        ("/ui/admin/policies", {"brand_id": a, "name": "p", "first_response_minutes": "5"}),
        ("/ui/admin/ack-rules", {"brand_id": a, "name": "r", "when": "first_contact"}),
        ("/ui/admin/agents", {"brand_id": a, "email": "e@x.test", "name": "E", "role": "agent", "password": "y" * 20}),
        # Beta's brand, but Alpha's team or agent.
        ("/ui/admin/team-members", {"brand_id": ws.b.id, "team_id": team_id, "agent_id": ws.agents["bob"]}),
        ("/ui/admin/agent-settings",
         {"brand_id": ws.b.id, "agent_id": ws.agents["alice"], "capacity": "1", "availability": "away"}),
    ):
        assert _post(bea, url, form).status_code == 404, url
    # A redirection to another brand's account is refused.
    response = _post(
        bea,
        "/ui/admin/accounts",
        {"brand_id": ws.b.id, "platform": "email", "handle": "b@x.test", "kind": "care",
         "redirect_to": ws.a.account_id},
    )
    assert response.status_code == 400
    assert _count(ws, t.audit_events, actor=f"agent:{ws.agents['bea']}", brand_id=a) == 0
    assert _count(ws, t.teams, brand_id=a) == 1


def test_admins_create_brands_and_secrets_are_never_shown(ws: Workspace) -> None:
    from sqlalchemy import update

    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(update(t.agents).where(t.agents.c.id == ws.agents["sue"]).values(role="admin"))
    admin = ws.client("sue")
    assert _post(admin, "/ui/admin/brands", {"name": "Gamma"}).status_code == 303
    page = admin.get("/ui/admin").text
    assert "Gamma" in page
    assert _post(admin, "/ui/admin/brands", {"name": "Gamma"}).status_code == 409
    assert _post(ws.client("bea"), "/ui/admin/brands", {"name": "Delta"}).status_code == 403

    from comptoir.channels.apps import create_platform_app

    app = create_platform_app(
        ws.runtime.db, ws.runtime.settings, platform="meta", name="Meta Alpha",
        secrets={"app_secret": "TOPSECRET-app", "verify_token": "TOPSECRET-verify"},
    )
    response = _post(
        admin,
        "/ui/admin/accounts",
        {"brand_id": ws.a.id, "platform": "facebook", "handle": "Alpha FR", "external_id": "p-1", "kind": "corporate",
         "app_id": app["id"], "access_token": "TOPSECRET-token"},
    )
    assert response.status_code == 303, response.text
    for url in ("/ui/admin/apps", f"/ui/admin/accounts?brand={ws.a.id}", "/ui/audit"):
        text = admin.get(url).text
        assert "TOPSECRET" not in text, url
    assert "Meta Alpha" in admin.get("/ui/admin/apps").text
    assert app["webhook_path"] in admin.get("/ui/admin/apps").text
    # An X account cannot use a Meta app.
    response = _post(
        admin,
        "/ui/admin/accounts",
        {"brand_id": ws.a.id, "platform": "x", "handle": "ax", "kind": "care", "app_id": app["id"]},
    )
    assert response.status_code == 400


def test_triage_settings_show_the_model_and_corrections(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "tri-1", text="Ma commande n'est jamais arrivée")
    client = ws.client("sue")
    page = client.get(f"/ui/admin/triage?brand={ws.a.id}").text
    from comptoir.triage.model import SHIPPED_DIR

    version = json.loads((SHIPPED_DIR / "meta.json").read_text())["version"]
    assert version in page
    with ws.runtime.db.read() as conn:
        message_id = conn.execute(select(t.messages.c.id).where(t.messages.c.conversation_id == c)).scalar_one()
    response = _post(
        client, f"/c/{c}/triage", {"message_id": message_id, "judgement": "intent", "value": "complaint"}
    )
    assert response.status_code in (200, 204, 303)
    page = client.get(f"/ui/admin/triage?brand={ws.a.id}").text
    assert "<dd>1</dd>" in page


def test_routing_rules_are_listed_and_created_through_the_routing_action(ws: Workspace) -> None:
    client = ws.client("sue")
    a = ws.a.id
    assert _post(client, "/ui/admin/teams", {"brand_id": a, "name": "Francophones"}).status_code == 303
    with ws.runtime.db.read() as conn:
        team_id = conn.execute(select(t.teams.c.id).where(t.teams.c.brand_id == a)).scalar_one()
    response = _post(
        client,
        "/ui/admin/routing",
        {"brand_id": a, "name": "Plaintes FR", "conditions": '{"languages": ["fr"]}',
         "target": json.dumps({"team_id": team_id, "assign": "load"})},
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/ui/admin/routing?brand={a}").text
    assert "Plaintes FR" in page and "Francophones" in page
    assert _audited(ws, "sue", "routing_rule.created", a) == 1
    # A team of another brand, or a target that is not JSON, is refused with a message and nothing written.
    bea = ws.client("bea")
    response = _post(
        bea, "/ui/admin/routing", {"brand_id": ws.b.id, "name": "x", "target": json.dumps({"team_id": team_id})}
    )
    assert response.status_code in (400, 404)
    response = _post(client, "/ui/admin/routing", {"brand_id": a, "name": "y", "target": "{team"})
    assert response.status_code == 400 and "This is not valid JSON." in response.text
    assert _count(ws, t.routing_rules, brand_id=a) == 1
    assert _count(ws, t.routing_rules, brand_id=ws.b.id) == 0


def test_admin_pages_are_accessible_in_both_languages(ws: Workspace) -> None:
    from tests.ui.test_accessibility import check

    client = ws.client("sue")
    assert _post(client, "/ui/admin/teams", {"brand_id": ws.a.id, "name": "Équipe A"}).status_code == 303
    for language in ("en", "fr"):
        _post(client, "/ui/language", {"language": language, "next": "/"})
        for url in PAGES:
            page = client.get(url).text
            check(page)
            assert f'<html lang="{language}"' in page
    assert "Comptes" in client.get("/ui/admin/accounts").text


def test_the_calendar_example_is_accepted_and_shown_back_as_saved(ws: Workspace) -> None:
    import html
    import re

    client = ws.client("sue")
    page = client.get("/ui/admin/calendar").text
    example = html.unescape(re.search(r"<pre>(.*?)</pre>", page, re.S).group(1))  # type: ignore[union-attr]
    assert _post(client, "/ui/admin/calendar", {"brand_id": ws.a.id, "spec": example}).status_code == 303
    page = client.get("/ui/admin/calendar").text
    shown = html.unescape(re.search(r'<textarea id="cal-spec"[^>]*>(.*?)</textarea>', page, re.S).group(1))  # type: ignore[union-attr]
    assert json.loads(shown) == json.loads(example)
    with ws.runtime.db.read() as conn:
        assert conn.execute(select(t.calendars.c.spec).where(t.calendars.c.brand_id == ws.a.id)).scalar_one() == json.loads(example)


def test_a_supervisor_changes_an_accounts_family_and_redirection(ws: Workspace) -> None:
    client = ws.client("sue")
    a = ws.a.id
    assert _post(
        client, "/ui/admin/accounts", {"brand_id": a, "platform": "x", "handle": "alpha_care", "kind": "care"}
    ).status_code == 303
    with ws.runtime.db.read() as conn:
        care = conn.execute(select(t.accounts.c.id).where(t.accounts.c.handle == "alpha_care")).scalar_one()
    form = {"brand_id": a, "account_id": ws.a.account_id, "kind": "corporate", "region": "", "redirect_to": care}
    assert _post(client, "/ui/admin/account-settings", form).status_code == 303
    with ws.runtime.db.read() as conn:
        row = conn.execute(select(t.accounts).where(t.accounts.c.id == ws.a.account_id)).one()
    assert (row.kind, row.redirect_to) == ("corporate", care)
    assert _audited(ws, "sue", "account.changed", a) == 1
    # Refused: itself, a regional account without region, another brand's account.
    for change, message in (
        ({"redirect_to": ws.a.account_id}, "Redirections go to an account of the same brand."),
        ({"kind": "regional"}, "A regional account needs its region."),
        ({"redirect_to": ws.b.account_id}, "Redirections go to an account of the same brand."),
    ):
        response = _post(client, "/ui/admin/account-settings", form | change)
        assert response.status_code == 400 and message in response.text
    assert _audited(ws, "sue", "account.changed", a) == 1
    # Beta's supervisor cannot touch Alpha's account, even naming Beta.
    bea = ws.client("bea")
    assert _post(bea, "/ui/admin/account-settings", form | {"brand_id": ws.b.id}).status_code == 404
    assert _post(bea, "/ui/admin/account-settings", form).status_code == 404
