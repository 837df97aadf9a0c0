"""Enabling, disabling, reordering and deleting acknowledgement and routing rules from the admin screens."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.actions import acknowledgements, admin, routing
from comptoir.store import tables as t
from tests.ui.conftest import Workspace, page_csrf


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _rules(ws: Workspace, table: Any) -> list[tuple[str, bool]]:
    with ws.runtime.db.read() as conn:
        return [
            (str(r.name), bool(r.enabled))
            for r in conn.execute(
                select(table.c.name, table.c.enabled).where(table.c.brand_id == ws.a.id).order_by(table.c.position, table.c.id)
            )
        ]


def _make(ws: Workspace, kind: str, name: str) -> int:
    if kind == "ack":
        return acknowledgements.create_rule(ws.runtime.db, ws.a.id, name, {"when": "first_contact", "kind": "receipt"})
    team = admin.create_team(ws.runtime.db, ws.a.id, f"team-{name}")
    return routing.create_rule(ws.runtime.db, ws.a.id, name, {}, {"team_id": team})["id"]


@pytest.mark.parametrize("kind", ["ack", "routing"])
def test_a_supervisor_disables_moves_and_deletes_rules(ws: Workspace, kind: str) -> None:
    table = t.ack_rules if kind == "ack" else t.routing_rules
    url = "/ui/admin/ack-rule-change" if kind == "ack" else "/ui/admin/routing-rule-change"
    prefix = "ack_rule" if kind == "ack" else "routing_rule"
    first, second = _make(ws, kind, "First"), _make(ws, kind, "Second")
    client = ws.client("sue")
    page = client.get(f"/ui/admin/{'ack-rules' if kind == 'ack' else 'routing'}?brand={ws.a.id}").text
    assert url in page
    a = ws.a.id
    assert _post(client, url, {"brand_id": a, "rule_id": first, "op": "disable"}).status_code == 303
    assert _rules(ws, table) == [("First", False), ("Second", True)]
    assert _post(client, url, {"brand_id": a, "rule_id": first, "op": "enable"}).status_code == 303
    assert _post(client, url, {"brand_id": a, "rule_id": second, "op": "up"}).status_code == 303
    assert _rules(ws, table) == [("Second", True), ("First", True)]
    assert _post(client, url, {"brand_id": a, "rule_id": second, "op": "down"}).status_code == 303
    assert _rules(ws, table) == [("First", True), ("Second", True)]
    assert _post(client, url, {"brand_id": a, "rule_id": first, "op": "explode"}).status_code == 400
    # Another brand's supervisor: 404 and nothing changes; an agent: 403.
    bea = ws.client("bea")
    assert _post(bea, url, {"brand_id": ws.b.id, "rule_id": first, "op": "delete"}).status_code == 404
    assert _post(bea, url, {"brand_id": a, "rule_id": first, "op": "delete"}).status_code == 404
    assert _post(ws.client("alice"), url, {"brand_id": a, "rule_id": first, "op": "delete"}).status_code == 403
    assert _post(client, url, {"brand_id": a, "rule_id": first, "op": "delete"}).status_code == 303
    assert _rules(ws, table) == [("Second", True)]
    with ws.runtime.db.read() as conn:
        actions = {
            str(r.action)
            for r in conn.execute(
                select(t.audit_events.c.action).where(t.audit_events.c.actor == f"agent:{ws.agents['sue']}")
            )
        }
        assert {f"{prefix}.{x}" for x in ("enabled", "disabled", "moved", "deleted")} <= actions
        assert conn.execute(select(func.count()).select_from(table).where(table.c.id == second)).scalar_one() == 1
