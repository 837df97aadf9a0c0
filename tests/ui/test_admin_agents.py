"""Changing an agent's role and removing an agent from a brand, from the administration screens."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from comptoir.store import tables as t
from tests.ui.conftest import Workspace, page_csrf


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _role(ws: Workspace, who: str) -> str:
    with ws.runtime.db.read() as conn:
        return str(conn.execute(select(t.agents.c.role).where(t.agents.c.id == ws.agents[who])).scalar_one())


def test_a_supervisor_changes_roles_but_never_grants_admin(ws: Workspace) -> None:
    client = ws.client("sue")
    a = ws.a.id
    assert "/ui/admin/agent-role" in client.get(f"/ui/admin/agents?brand={a}").text
    response = _post(client, "/ui/admin/agent-role", {"brand_id": a, "agent_id": ws.agents["alice"], "role": "supervisor"})
    assert response.status_code == 303
    assert _role(ws, "alice") == "supervisor"
    response = _post(client, "/ui/admin/agent-role", {"brand_id": a, "agent_id": ws.agents["alice"], "role": "admin"})
    assert response.status_code == 400 and "Only an admin" in response.text
    assert _role(ws, "alice") == "supervisor"
    response = _post(client, "/ui/admin/agent-role", {"brand_id": a, "agent_id": ws.agents["sue"], "role": "agent"})
    assert response.status_code == 400 and "your own account" in response.text
    assert _post(client, "/ui/admin/agent-role", {"brand_id": a, "agent_id": ws.agents["bob"], "role": "boss"}).status_code == 400
    # bea (a supervisor of Beta) reaches neither Alpha's brand nor an agent outside Beta.
    bea = ws.client("bea")
    assert _post(bea, "/ui/admin/agent-role", {"brand_id": a, "agent_id": ws.agents["bob"], "role": "agent"}).status_code == 404
    assert _post(bea, "/ui/admin/agent-role", {"brand_id": ws.b.id, "agent_id": ws.agents["sue"], "role": "agent"}).status_code == 404
    with ws.runtime.db.read() as conn:
        assert conn.execute(
            select(func.count()).select_from(t.audit_events).where(
                t.audit_events.c.action == "agent.role_changed", t.audit_events.c.actor == f"agent:{ws.agents['sue']}"
            )
        ).scalar_one() == 1


def test_removing_an_agent_from_a_brand_releases_their_work_there(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "rm-1")
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(update(t.conversations).where(t.conversations.c.id == c).values(assignee_id=ws.agents["both"]))
    client = ws.client("sue")
    a = ws.a.id
    assert _post(client, "/ui/admin/agent-remove", {"brand_id": a, "agent_id": ws.agents["sue"]}).status_code == 400
    assert _post(ws.client("alice"), "/ui/admin/agent-remove", {"brand_id": a, "agent_id": ws.agents["both"]}).status_code == 403
    assert _post(client, "/ui/admin/agent-remove", {"brand_id": a, "agent_id": ws.agents["both"]}).status_code == 303
    with ws.runtime.db.read() as conn:
        brands = {int(r.brand_id) for r in conn.execute(
            select(t.agent_brands.c.brand_id).where(t.agent_brands.c.agent_id == ws.agents["both"]))}
        assignee = conn.execute(select(t.conversations.c.assignee_id).where(t.conversations.c.id == c)).scalar_one()
    assert brands == {ws.b.id} and assignee is None
    # Gone from the brand: a second removal is 404.
    assert _post(client, "/ui/admin/agent-remove", {"brand_id": a, "agent_id": ws.agents["both"]}).status_code == 404
