"""Editing acknowledgement and routing rules in place from the admin screens: prefilled, validated like a new
rule, audited, brand-scoped."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.actions import acknowledgements, admin, routing
from comptoir.store import tables as t
from tests.ui.conftest import Workspace, page_csrf


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _row(ws: Workspace, table: Any, rule_id: int) -> Any:
    with ws.runtime.db.read() as conn:
        return conn.execute(select(table).where(table.c.id == rule_id)).one()


def _changes(ws: Workspace, who: str, action: str) -> list[dict[str, Any]]:
    a = t.audit_events
    with ws.runtime.db.read() as conn:
        return [
            dict(r.data)
            for r in conn.execute(
                select(a.c.data)
                .where(a.c.actor == f"agent:{ws.agents[who]}", a.c.action == action)
                .order_by(a.c.id)
            )
        ]


def _field(page: str, field_id: str) -> str:
    """The value an input or textarea of the page shows."""
    found = re.search(rf'<input id="{field_id}"[^>]* value="([^"]*)"', page) or re.search(
        rf'<textarea id="{field_id}"[^>]*>(.*?)</textarea>', page, re.S
    )
    assert found, f"no field {field_id}"
    return html.unescape(found.group(1))


def _ack_rule(ws: Workspace, name: str, **spec: Any) -> int:
    return acknowledgements.create_rule(
        ws.runtime.db, ws.a.id, name, {"when": "first_contact", "kind": "receipt"} | spec
    )


def test_an_ack_rule_is_edited_in_place(ws: Workspace) -> None:
    a = ws.a.id
    first = _ack_rule(
        ws,
        "Premier contact",
        channels=["x"],
        templates={"fr": "Bonjour {name}"},
        min_interval_hours=6,
        agents_at_opening=3,
    )
    second = _ack_rule(ws, "Second")
    acknowledgements.set_rule_enabled(ws.runtime.db, a, first, False)
    client = ws.client("sue")
    page = client.get(f"/ui/admin/ack-rules?brand={a}").text
    assert 'action="/ui/admin/ack-rule-update"' in page
    # The edit form shows what is stored.
    assert _field(page, f"ack-{first}-name") == "Premier contact"
    assert _field(page, f"ack-{first}-channels") == "x"
    assert _field(page, f"ack-{first}-fr") == "Bonjour {name}"
    assert _field(page, f"ack-{first}-interval") == "6"
    assert re.search(
        rf'<select id="ack-{first}-when" name="when">.*?<option value="first_contact" selected>', page
    )

    form = {
        "brand_id": a,
        "rule_id": first,
        "name": "Hors horaires",
        "when": "out_of_hours",
        "kind": "redirect",
        "channels": "facebook, x",
        "public": "on",
        "template_fr": "",
        "template_en": "Hi {name}: {redirect}",
        "redirect": "https://help.example/",
        "min_interval_hours": "12",
    }
    assert _post(client, "/ui/admin/ack-rule-update", form).status_code == 303
    row = _row(ws, t.ack_rules, first)
    assert row.name == "Hors horaires"
    assert row.spec == {
        "when": "out_of_hours",
        "kind": "redirect",
        "public": True,
        "channels": ["facebook", "x"],
        "templates": {"en": "Hi {name}: {redirect}"},
        "redirect": "https://help.example/",
        "min_interval_hours": 12,
        "agents_at_opening": 3,
    }  # the tuning the form does not show is kept
    assert (row.position, row.enabled) == (0, False)  # its place and state do not change
    assert _row(ws, t.ack_rules, second).name == "Second"
    [audited] = _changes(ws, "sue", "ack_rule.changed")
    assert audited["rule_id"] == first and audited["before"]["name"] == "Premier contact"
    assert audited["after"]["name"] == "Hors horaires"
    page = client.get(f"/ui/admin/ack-rules?brand={a}").text
    assert _field(page, f"ack-{first}-redirect") == "https://help.example/"
    assert f'<input id="ack-{first}-public" name="public" type="checkbox" checked>' in page


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"name": "  "}, 400, "A required field is empty."),
        ({"when": "sometimes"}, 400, "That was not accepted: check the values."),
        ({"kind": "redirect", "redirect": ""}, 400, "That was not accepted: check the values."),
        ({"channels": "x, pigeon"}, 400, "Choose one of the proposed values."),
        ({"min_interval_hours": "soon"}, 400, "A number was expected."),
    ],
)
def test_an_invalid_ack_edit_says_why_and_changes_nothing(
    ws: Workspace, change: dict[str, str], status: int, message: str
) -> None:
    rule = _ack_rule(ws, "Accusé")
    client = ws.client("sue")
    form = {
        "brand_id": ws.a.id,
        "rule_id": rule,
        "name": "Renamed",
        "when": "first_contact",
        "kind": "receipt",
    }
    response = _post(client, "/ui/admin/ack-rule-update", form | change)
    assert response.status_code == status and message in response.text
    # The refused form is open again, with what was typed; the creation form stays empty.
    assert "<details open><summary>" in response.text
    typed = change.get("name", "Renamed")
    assert _field(response.text, f"ack-{rule}-name") == typed
    assert _field(response.text, "ack-name") == ""
    row = _row(ws, t.ack_rules, rule)
    assert (row.name, row.spec) == ("Accusé", {"when": "first_contact", "kind": "receipt"})
    assert _changes(ws, "sue", "ack_rule.changed") == []


def test_a_routing_rule_is_edited_in_place(ws: Workspace) -> None:
    a = ws.a.id
    team = admin.create_team(ws.runtime.db, a, "Niveau 1")
    other_team = admin.create_team(ws.runtime.db, a, "Niveau 2")
    first = routing.create_rule(ws.runtime.db, a, "Plaintes", {"intents": ["complaint"]}, {"team_id": team})[
        "id"
    ]
    routing.create_rule(ws.runtime.db, a, "Reste", {}, {"team_id": team})
    client = ws.client("sue")
    page = client.get(f"/ui/admin/routing?brand={a}").text
    assert 'action="/ui/admin/routing-rule-update"' in page
    assert _field(page, f"rt-{first}-name") == "Plaintes"
    assert json.loads(_field(page, f"rt-{first}-cond")) == {"intents": ["complaint"]}
    assert json.loads(_field(page, f"rt-{first}-target")) == {"team_id": team, "assign": "none"}

    form = {
        "brand_id": a,
        "rule_id": first,
        "name": "Plaintes FR",
        "conditions": '{"intents": ["complaint"], "languages": ["FR"]}',
        "target": json.dumps({"team_id": other_team, "assign": "load"}),
    }
    assert _post(client, "/ui/admin/routing-rule-update", form).status_code == 303
    row = _row(ws, t.routing_rules, first)
    assert (row.name, row.conditions, row.target) == (
        "Plaintes FR",
        {"intents": ["complaint"], "languages": ["fr"]},
        {"team_id": other_team, "assign": "load"},
    )
    assert (row.position, row.enabled) == (1, True)
    [audited] = _changes(ws, "sue", "routing_rule.changed")
    assert audited["before"]["target"] == {"team_id": team, "assign": "none"}
    assert audited["after"]["conditions"] == {"intents": ["complaint"], "languages": ["fr"]}
    # The routing decision follows the edit.
    with ws.runtime.db.read() as conn:
        facts = routing.RoutingFacts(ws.a.account_id, "care", None, "api", "private", "complaint", "fr", 50)
        assert routing.route(conn, a, facts).team_id == other_team  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"name": ""}, 400, "A required field is empty."),
        ({"target": ""}, 400, "A required field is empty."),
        ({"conditions": "{languages"}, 400, "This is not valid JSON."),
        ({"conditions": '{"moon": ["full"]}'}, 400, "That was not accepted: check the values."),
        ({"target": '{"team_id": 1, "assign": "lottery"}'}, 400, "That was not accepted: check the values."),
    ],
)
def test_an_invalid_routing_edit_says_why_and_changes_nothing(
    ws: Workspace, change: dict[str, str], status: int, message: str
) -> None:
    team = admin.create_team(ws.runtime.db, ws.a.id, "Niveau 1")
    rule = routing.create_rule(ws.runtime.db, ws.a.id, "Plaintes", {}, {"team_id": team})["id"]
    form = {
        "brand_id": ws.a.id,
        "rule_id": rule,
        "name": "x",
        "conditions": "",
        "target": json.dumps({"team_id": team}),
    }
    response = _post(ws.client("sue"), "/ui/admin/routing-rule-update", form | change)
    assert response.status_code == status and message in response.text
    assert "<details open><summary>" in response.text
    row = _row(ws, t.routing_rules, rule)
    assert (row.name, row.conditions, row.target) == ("Plaintes", {}, {"team_id": team, "assign": "none"})


def test_rule_edits_stay_in_their_brand(ws: Workspace) -> None:
    a, b = ws.a.id, ws.b.id
    ack = _ack_rule(ws, "Alpha ack")
    team = admin.create_team(ws.runtime.db, a, "Alpha team")
    beta_team = admin.create_team(ws.runtime.db, b, "Beta team")
    rule = routing.create_rule(ws.runtime.db, a, "Alpha rule", {}, {"team_id": team})["id"]
    ack_form = {"rule_id": ack, "name": "Hijacked", "when": "first_contact", "kind": "receipt"}
    routing_form = {"rule_id": rule, "name": "Hijacked", "target": json.dumps({"team_id": beta_team})}
    bea = ws.client("bea")  # Beta's supervisor: Alpha's rules do not exist for her, whichever brand she names
    for brand in (a, b):
        assert _post(bea, "/ui/admin/ack-rule-update", ack_form | {"brand_id": brand}).status_code == 404
        assert (
            _post(bea, "/ui/admin/routing-rule-update", routing_form | {"brand_id": brand}).status_code == 404
        )
    alice = ws.client("alice")  # an agent of Alpha
    assert _post(alice, "/ui/admin/ack-rule-update", ack_form | {"brand_id": a}).status_code == 403
    # Alpha's supervisor cannot point an Alpha rule at Beta's team.
    sue = ws.client("sue")
    assert _post(sue, "/ui/admin/routing-rule-update", routing_form | {"brand_id": a}).status_code == 404
    # Without the session's CSRF token: refused.
    response = sue.post("/ui/admin/ack-rule-update", data=ack_form | {"brand_id": a}, follow_redirects=False)
    assert response.status_code == 403
    assert _row(ws, t.ack_rules, ack).name == "Alpha ack"
    assert _row(ws, t.routing_rules, rule).target == {"team_id": team, "assign": "none"}
    with ws.runtime.db.read() as conn:
        changed = conn.execute(
            select(func.count()).select_from(t.audit_events).where(t.audit_events.c.action.like("%.changed"))
        ).scalar_one()
    assert changed == 0


def test_pages_with_edit_forms_stay_accessible_in_both_languages(ws: Workspace) -> None:
    from tests.ui.test_accessibility import check

    _ack_rule(ws, "One")
    _ack_rule(ws, "Two")
    team = admin.create_team(ws.runtime.db, ws.a.id, "Niveau 1")
    routing.create_rule(ws.runtime.db, ws.a.id, "One", {}, {"team_id": team})
    routing.create_rule(ws.runtime.db, ws.a.id, "Two", {}, {"team_id": team})
    client = ws.client("sue")
    for language in ("en", "fr"):
        _post(client, "/ui/language", {"language": language, "next": "/"})
        for section in ("ack-rules", "routing"):
            page = client.get(f"/ui/admin/{section}?brand={ws.a.id}").text
            check(page)  # every field labelled, ids unique
            assert page.count("<summary>") == 2
